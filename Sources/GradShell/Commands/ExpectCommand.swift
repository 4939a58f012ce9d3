import Foundation
import GradNN
import GradTensor

/// `expect QUANTITY [LAYER] OP NUMBER` or `expect layer N is KIND`: an
/// assertion about the session; fails (as an error) when it does not hold.
struct ExpectCommand: Command {
    static let quantities = ["loss", "accuracy", "val_loss", "val_accuracy", "best_val_accuracy", "best_val_loss", "epochs",
                             "param_count", "trainable_count", "non_trainable_count", "layer_count",
                             "test_accuracy", "test_loss", "validation_accuracy", "learning_rate",
                             "gradient_ratio", "gradient_norm", "activation_mean", "activation_std", "dead_fraction",
                             "saturated_fraction", "zero_weight_fraction", "max_column_norm", "clipped_steps",
                             "train_accuracy", "mc_accuracy"]
    static let spec = CommandSpec(
        name: "expect", summary: "assert something about the session (for tutorials and exercises)",
        usage: "expect QUANTITY [LAYER] OP NUMBER | expect layer N is KIND",
        discussion: "OP is one of >=, <=, >, <, ==, !=. Quantities: " + quantities.joined(separator: ", ") + ". Per-layer quantities take a layer index: `expect dead_fraction 2 >= 0.3`. gradient_ratio is the first layer's gradient norm over the last layer's; train_accuracy is measured in inference mode; mc_accuracy uses 30 MC Dropout passes on the test split.",
        positional: .words(quantities + ["layer"]),
        examples: ["expect val_accuracy >= 0.85", "expect param_count == 271346", "expect layer 3 is batchnorm", "expect gradient_ratio < 0.01"],
        category: "notebook")
    let words: [Argument]

    init(_ args: inout Arguments, session: Session) throws {
        var w: [Argument] = []
        while let a = args.nextArgument() { w.append(a) }
        guard w.count >= 3 else { throw ShellError("usage: expect QUANTITY OP NUMBER, e.g. `expect val_accuracy >= 0.85`") }
        words = w
    }

    func run(_ session: Session) throws -> String {
        let text = words.map(\.value.text).joined(separator: " ")
        let (ok, detail) = try evaluate(session)
        if ok { return "✓ \(text)\(detail.isEmpty ? "" : "  (\(detail))")" }
        throw ShellError("expectation failed: \(text)\(detail.isEmpty ? "" : " — \(detail)")")
    }

    /// Whether it holds, and the measured value.
    func evaluate(_ session: Session) throws -> (Bool, String) {
        let first = words[0].value.text.lowercased()
        if first == "layer" {
            guard words.count == 4, words[2].value.text == "is" else { throw ShellError("usage: expect layer N is KIND") }
            let m = try session.requireModel()
            let (_, layer) = try VarsCommand.layer(words[1], in: m)
            let kind = words[3].value.text.lowercased()
            let matches = layer.keyword == kind || layer.typeName.lowercased() == kind || layer.name == kind ||
                (kind == "batch_normalization" && layer is BatchNormalization)
            return (matches, "layer is \(layer.keyword) (\(layer.typeName))")
        }
        guard ExpectCommand.quantities.contains(first) else {
            throw ShellError("'\(first)' is not a quantity" + Suggestions.hint(for: first, in: ExpectCommand.quantities), at: words[0].span)
        }
        var rest = Array(words.dropFirst())
        var layerArg: Argument? = nil
        if rest.count == 3 { layerArg = rest.removeFirst() }
        guard rest.count == 2 else { throw ShellError("usage: expect QUANTITY [LAYER] OP NUMBER") }
        let op = rest[0].value.text
        guard ["<", "<=", ">", ">=", "==", "!="].contains(op) else { throw ShellError("'\(op)' is not a comparison; use >=, <=, >, <, == or !=", at: rest[0].span) }
        let target = Double(try Arguments.float(rest[1], name: "expected value", range: -1e30...1e30))
        let v = try measure(first, layerArg, session)
        let ok: Bool
        switch op {
        case "<": ok = v < target
        case "<=": ok = v <= target
        case ">": ok = v > target
        case ">=": ok = v >= target
        case "==": ok = abs(v - target) <= 1e-9 * max(1, abs(target))
        default: ok = abs(v - target) > 1e-9 * max(1, abs(target))
        }
        return (ok, "got \(String(format: "%.6g", v))")
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
        case "epochs": return Double(session.model?.history.epochs.count ?? 0)
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

/// `exercise open PATH`: shows an exercise's task; `check` evaluates its goals.
struct ExerciseCommand: Command {
    static let spec = CommandSpec(name: "exercise", summary: "open a classroom exercise (then work, then `check`)",
                                  usage: "exercise open PATH", positional: .words(["open"]),
                                  examples: ["exercise open tutorials/exercises/01-batchnorm.md"], category: "notebook")
    let path: String
    init(_ args: inout Arguments, session: Session) throws {
        _ = try args.choice("action", positional: true, from: ["open"], default: "open")
        guard let p = try args.string("path", positional: true) else { throw ShellError("exercise open needs a PATH") }
        path = p
    }
    func run(_ session: Session) throws -> String {
        let ex = Exercise(try Transcript.load(path), path: path)
        guard !ex.expectations.isEmpty else { throw ShellError("\(path) has no `expect` lines, so it is not an exercise") }
        session.exercise = ex
        return ex.task + "\n\nGoals (\(ex.expectations.count)):\n" + ex.expectations.map { "  • " + $0.dropFirst(7) }.joined(separator: "\n") +
            "\n\nWork in the shell, then type `check`."
    }
}

/// `check`: evaluates the open exercise's goals against the session.
struct CheckCommand: Command {
    static let spec = CommandSpec(name: "check", summary: "check the open exercise's goals", usage: "check",
                                  examples: ["check"], category: "notebook")
    init(_ args: inout Arguments, session: Session) throws {}
    func run(_ session: Session) throws -> String {
        guard let ex = session.exercise else { throw ShellError("no exercise is open; `exercise open PATH` first") }
        var lines: [String] = []
        var passed = 0
        for e in ex.expectations {
            let goal = String(e.dropFirst(7))
            do {
                guard let parsed = try Parser.parse(e) else { continue }
                var args = try Arguments(parsed, keys: [])
                let cmd = try ExpectCommand(&args, session: session)
                let (ok, detail) = try cmd.evaluate(session)
                if ok { passed += 1 }
                lines.append("\(ok ? "✓ pass" : "✗ fail")  \(goal)  (\(detail))")
            } catch let err as ShellError {
                lines.append("✗ fail  \(goal)  (\(err.message))")
            }
        }
        lines.append("\(passed)/\(ex.expectations.count) goals met" + (passed == ex.expectations.count ? " — exercise complete!" : ""))
        return lines.joined(separator: "\n")
    }
}

/// `quit`: leaves the shell (Ctrl-D too).
struct QuitCommand: Command {
    static let spec = CommandSpec(name: "quit", summary: "leave gradlab (Ctrl-D does too)", usage: "quit", examples: ["quit"])
    init(_ args: inout Arguments, session: Session) throws {}
    func run(_ session: Session) throws -> String {
        session.requestQuit()
        return ""
    }
}
