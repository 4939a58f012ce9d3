import Foundation
import GradNN
import GradTensor

/// `expect QUANTITY [LAYER] OP NUMBER [hint=TEXT]`, `expect QUANTITY [LAYER]
/// sealed:TOKEN` or `expect layer N is KIND`: an assertion about the session;
/// fails (as an error) when it does not hold. A sealed goal (see `SealedGoal`)
/// hides its comparison and hint from whoever reads the file.
struct ExpectCommand: Command {
    static let quantities = ["loss", "accuracy", "val_loss", "val_accuracy", "best_val_accuracy", "best_val_loss", "epochs",
                             "param_count", "trainable_count", "non_trainable_count", "layer_count",
                             "test_accuracy", "test_loss", "validation_accuracy", "learning_rate",
                             "gradient_ratio", "gradient_norm", "activation_mean", "activation_std", "dead_fraction",
                             "saturated_fraction", "zero_weight_fraction", "max_column_norm", "clipped_steps",
                             "train_accuracy", "mc_accuracy"]
    static let operators = ["<", "<=", ">", ">=", "==", "!="]
    static let spec = CommandSpec(
        name: "expect", summary: "assert something about the session (for tutorials and exercises)",
        usage: "expect QUANTITY [LAYER] OP NUMBER [hint=TEXT] | expect QUANTITY [LAYER] sealed:TOKEN | expect layer N is KIND",
        discussion: "OP is one of >=, <=, >, <, ==, !=. Quantities: " + quantities.joined(separator: ", ") + ". Per-layer quantities take a layer index: `expect dead_fraction 2 >= 0.3`. gradient_ratio is the first layer's gradient norm over the last layer's; train_accuracy is measured in inference mode; mc_accuracy uses 30 MC Dropout passes on the test split. hint= is shown when the goal is not met. While an exercise is open, epochs counts every complete epoch trained since `exercise open` (by fit, search, compare and try), across `model new`, `model load` and `model reuse`. `exercise seal` turns `OP NUMBER hint=…` into a sealed:TOKEN that shows neither the target nor the hint, only pass/fail (and the hint on a failure).",
        keys: [KeySpec("hint", "text shown when the goal is not met")],
        positional: .words(quantities + ["layer"]),
        examples: ["expect val_accuracy >= 0.85", "expect param_count == 271346", "expect layer 3 is batchnorm", "expect gradient_ratio < 0.01",
                   "expect epochs <= 10 hint=\"count the epochs of every fit\""],
        category: "notebook")

    /// A parsed `QUANTITY [LAYER] OP NUMBER` (or its sealed form).
    struct Goal {
        var quantity: String
        var layer: Argument?
        var op: String
        var target: Double
        /// The target as written, e.g. `0.85`.
        var targetText: String
        var hint: String?
        var sealed: Bool

        /// What a student may see: the comparison, unless it is sealed.
        var shown: String {
            let q = quantity + (layer.map { " " + $0.value.text } ?? "")
            return sealed ? "\(q) vs a sealed target" : "\(q) \(op) \(targetText)"
        }

        func holds(_ v: Double) -> Bool {
            switch op {
            case "<": return v < target
            case "<=": return v <= target
            case ">": return v > target
            case ">=": return v >= target
            case "==": return abs(v - target) <= 1e-9 * max(1, abs(target))
            default: return abs(v - target) > 1e-9 * max(1, abs(target))
            }
        }
    }

    let words: [Argument]
    let hint: String?
    /// The parsed comparison (a sealed one opened once, here); nil for `expect layer N is KIND`.
    let goal: Goal?

    init(_ args: inout Arguments, session: Session) throws {
        let line = args.line.source
        try self.init(&args) { quantity, layer in try ExpectCommand.typedBinding(line, quantity, layer, session) }
    }

    /// Parses the words; a sealed goal opens as the goal `sealedAt(quantity, layer)` says it is.
    init(_ args: inout Arguments, sealedAt: (String, String?) throws -> SealedGoal.Binding) throws {
        hint = try args.string("hint")
        var w: [Argument] = []
        while let a = args.nextArgument() { w.append(a) }
        guard w.count >= 2 else { throw ShellError("usage: expect QUANTITY OP NUMBER, e.g. `expect val_accuracy >= 0.85`") }
        words = w
        if w[0].value.text.lowercased() == "layer" {
            guard w.count == 4, w[2].value.text == "is" else { throw ShellError("usage: expect layer N is KIND") }
            goal = nil
        } else {
            goal = try ExpectCommand.parseGoal(w, hint: hint, sealedAt: sealedAt)
        }
    }

    /// Where a sealed `expect` typed (or replayed) on its own line sits: it
    /// must be one of the open exercise's goals, exactly once, since its seal
    /// is bound to its place there.
    static func typedBinding(_ line: String, _ quantity: String, _ layer: String?, _ session: Session) throws -> SealedGoal.Binding {
        let text = line.trimmingCharacters(in: .whitespaces)
        guard let ex = session.exercise else {
            throw ShellError("a sealed goal is checked within its exercise: `exercise open` the file it comes from, then `check`")
        }
        let places = ex.expectations.indices.filter { ex.expectations[$0] == text }
        guard places.count == 1 else {
            throw ShellError(places.isEmpty ? "this sealed goal is not one of the open exercise's goals (\(ex.path))"
                             : "this sealed goal appears \(places.count) times in \(ex.path): the file was edited")
        }
        return ex.binding(goal: places[0], quantity: quantity, layer: layer)
    }

    /// `QUANTITY [LAYER] OP NUMBER` or `QUANTITY [LAYER] sealed:TOKEN`, a sealed comparison opened.
    static func parseGoal(_ words: [Argument], hint: String?, sealedAt: (String, String?) throws -> SealedGoal.Binding) throws -> Goal {
        let first = words[0].value.text.lowercased()
        guard ExpectCommand.quantities.contains(first) else {
            throw ShellError("'\(first)' is not a quantity" + Suggestions.hint(for: first, in: ExpectCommand.quantities), at: words[0].span)
        }
        var rest = Array(words.dropFirst())
        if let last = rest.last, last.value.text.hasPrefix(SealedGoal.prefix) {
            guard hint == nil else { throw ShellError("a sealed goal carries its hint inside; drop hint=", at: last.span) }
            guard rest.count <= 2 else { throw ShellError("usage: expect QUANTITY [LAYER] sealed:TOKEN") }
            let layer = rest.count == 2 ? rest[0] : nil
            let s = try SealedGoal.open(last.value.text, try sealedAt(first, layer?.value.text))
            let parts = s.comparison.split(separator: " ")
            guard parts.count == 2, ExpectCommand.operators.contains(String(parts[0])), let t = Double(parts[1]), t.isFinite else {
                throw ShellError("this sealed goal is damaged (no comparison inside)")
            }
            return Goal(quantity: first, layer: layer, op: String(parts[0]), target: t, targetText: String(parts[1]), hint: s.hint, sealed: true)
        }
        var layerArg: Argument? = nil
        if rest.count == 3 { layerArg = rest.removeFirst() }
        guard rest.count == 2 else { throw ShellError("usage: expect QUANTITY [LAYER] OP NUMBER") }
        let op = rest[0].value.text
        guard ExpectCommand.operators.contains(op) else { throw ShellError("'\(op)' is not a comparison; use >=, <=, >, <, == or !=", at: rest[0].span) }
        guard case .number(let target, let text) = rest[1].value, abs(target) <= 1e30 else {
            throw ShellError("expected value must be a number, not '\(rest[1].value.text)'", at: rest[1].span)
        }
        return Goal(quantity: first, layer: layerArg, op: op, target: target, targetText: text, hint: hint, sealed: false)
    }

    /// What `check` and `exercise open` show for this goal.
    func shown() -> String {
        goal?.shown ?? words.map(\.value.text).joined(separator: " ")
    }

    func run(_ session: Session) throws -> String {
        let text = shown()
        let (ok, detail, hint) = try evaluate(session)
        if ok { return Style.pass("✓", enabled: session.useColor) + " \(text)\(detail.isEmpty ? "" : "  (\(detail))")" }
        throw ShellError("expectation failed: \(text)\(detail.isEmpty ? "" : " — \(detail)")\(hint.map { "; hint: \($0)" } ?? "")")
    }

    /// Whether it holds, the measured value, and the hint to show if not.
    func evaluate(_ session: Session) throws -> (Bool, String, String?) {
        guard let g = goal else {
            // expect layer N is KIND (its form was checked by init)
            let m = try session.requireModel()
            let (_, layer) = try VarsCommand.layer(words[1], in: m)
            let kind = words[3].value.text.lowercased()
            let matches = layer.keyword == kind || layer.typeName.lowercased() == kind || layer.name == kind ||
                (kind == "batch_normalization" && layer is BatchNormalization)
            return (matches, "layer is \(layer.keyword) (\(layer.typeName))", hint)
        }
        let v = try measure(g.quantity, g.layer, session)
        let holds = g.holds(v)
        var text = String(format: "%.6g", v)
        // A value that fails by less than the sixth digit (a max-norm column at
        // 1.0000001 against "<= 1") gets the digits that show why.
        if !holds, let shown = Double(text), g.holds(shown) { text = String(format: "%.9g", v) }
        return (holds, "got \(text)", g.hint)
    }

    func measure(_ q: String, _ layerArg: Argument?, _ session: Session) throws -> Double {
        func last(_ k: String) throws -> Double {
            guard let h = session.model?.history.last, let v = h.value(k) else { throw ShellError("no \(k) yet; train with `fit` first") }
            return v
        }
        func layerIndex(_ m: Sequential) throws -> Int {
            guard let a = layerArg else { throw ShellError("\(q) needs a layer: `expect \(q) 2 >= 0.5`") }
            return try VarsCommand.layer(a, in: m).0
        }
        switch q {
        case "loss", "accuracy", "val_loss", "val_accuracy": return try last(q)
        case "best_val_accuracy":
            guard let v = session.model?.history.series("val_accuracy").max() else { throw ShellError("no val_accuracy yet") }
            return v
        case "best_val_loss":
            guard let v = session.model?.history.series("val_loss").min() else { throw ShellError("no val_loss yet") }
            return v
        case "epochs":
            // In an exercise: every epoch trained since it was opened, whatever model it went into, and at
            // least the current model's own history (a model loaded from a file brings its epochs along).
            let own = session.model?.history.epochs.count ?? 0
            return Double(session.exercise == nil ? own : max(own, session.exerciseTraining.epochs))
        case "param_count": return Double(try session.requireBuiltModel().counts.total)
        case "trainable_count": return Double(try session.requireBuiltModel().counts.trainable)
        case "non_trainable_count": return Double(try session.requireBuiltModel().counts.nonTrainable)
        case "layer_count": return Double(try session.requireModel().layers.count)
        case "test_accuracy", "test_loss", "validation_accuracy":
            let m = try session.requireCompiled()
            let d = try session.requireData(for: m)
            guard let s = d.split(named: q.hasPrefix("test") ? "test" : "validation") else { throw ShellError("the data has no such split") }
            let e = m.evaluate(s)
            return q == "test_loss" ? e.loss : e.accuracy
        case "train_accuracy":
            let m = try session.requireCompiled()
            return m.evaluate(try session.requireData(for: m).train).accuracy
        case "mc_accuracy":
            let m = try session.requireCompiled()
            guard let t = try session.requireData(for: m).test else { throw ShellError("the data has no test split") }
            var rng = session.rng
            let r = m.predictMonteCarlo(t, samples: 30, rng: &rng)
            var targets = (0..<t.count).map { t.target($0) }
            return Double(targets.withUnsafeMutableBufferPointer { Accuracy.correct(output: r.mean, targets: $0.baseAddress!) }) / Double(t.count)
        case "learning_rate": return Double(try session.requireCompiled().optimizer!.currentLearningRate)
        case "clipped_steps": return Double(try session.requireCompiled().optimizer!.clippedSteps)
        case "gradient_ratio", "gradient_norm":
            let m = try session.requireCompiled()
            var rng = session.rng
            let rows = try GradientsCommand.measure(session: session, model: m, data: try session.requireData(for: m), batch: 256, rng: &rng)
            if q == "gradient_norm" {
                let i = try layerIndex(m)
                guard let r = rows.first(where: { $0.index == i }) else { throw ShellError("layer \(i) has no weights") }
                return r.gradientNorm
            }
            guard let f = rows.first, let l = rows.last else { throw ShellError("no layers with weights") }
            guard l.gradientNorm > 0 else { throw ShellError("the last layer's gradient norm is 0, so the ratio is undefined (every unit dead?)") }
            return f.gradientNorm / l.gradientNorm
        case "activation_mean", "activation_std", "dead_fraction", "saturated_fraction":
            let m = try session.requireBuiltModel()
            let i = try layerIndex(m)
            let stats = ActivationsCommand.measure(m, try session.requireData(for: m).train, batch: 256)
            guard let s = stats.first(where: { $0.index == i }) else { throw ShellError("layer \(i) has no activation statistics") }
            switch q {
            case "activation_mean": return s.mean
            case "activation_std": return s.std
            case "dead_fraction": return s.dead ?? 0
            default: return s.saturated
            }
        case "zero_weight_fraction", "max_column_norm":
            let m = try session.requireBuiltModel()
            let i = try layerIndex(m)
            guard let k = m.layers[i].parameters.first(where: { $0.name == "kernel" }) else { throw ShellError("layer \(i) has no kernel") }
            if q == "zero_weight_fraction" {
                var z = 0
                for j in 0..<k.count where abs(k.value[j]) < 1e-3 { z += 1 }
                return Double(z) / Double(k.count)
            }
            let rows = k.value.shape[0], cols = k.value.count / rows
            var best = 0.0
            for c in 0..<cols {
                var ss = 0.0
                for r in 0..<rows { let x = Double(k.value[r * cols + c]); ss += x * x }
                best = max(best, ss.squareRoot())
            }
            return best
        default: throw ShellError("unknown quantity \(q)")
        }
    }
}
