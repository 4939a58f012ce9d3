import Foundation
import GradNN
import GradTensor

/// `explain bn|clip|dropout|mc|optimizer|freeze`: the arithmetic, with the
/// current model's real numbers, for one batch. Nothing is changed.
struct ExplainCommand: Command {
    static let topics = ["bn", "clip", "dropout", "mc", "optimizer", "freeze"]
    static let spec = CommandSpec(
        name: "explain", summary: "show the arithmetic of BN, clipping, dropout/MC, an optimizer step, freezing — with real numbers",
        usage: "explain bn [LAYER] | explain clip | explain dropout | explain mc | explain optimizer | explain freeze",
        discussion: "bn shows the units whose input varies most on the batch; optimizer, the kernel entry with the largest |gradient|; dropout counts the units its mask zeroed (not inputs that were already 0); mc shows one example's MC Dropout mean and spread per class and MC vs deterministic accuracy (reusing the last `evaluate … mc` of the same model state).",
        keys: [KeySpec("batch", "samples in the batch (default 32)"), KeySpec("units", "bn: how many units to show (default 3)"),
               KeySpec("samples", "mc: number of stochastic passes (default 100)"), KeySpec("index", "mc: which example of the split (default 0)")],
        positional: .words(topics), examples: ["explain bn", "explain clip", "explain optimizer", "explain mc samples=30 index=3"],
        category: "experiment")
    let topic: String
    let layerArg: Argument?
    let batch: Int
    let units: Int
    /// mc: passes, and which example of the split.
    let samples: Int
    let index: Int

    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("explain what? " + ExplainCommand.topics.joined(separator: ", ")) }
        topic = try Arguments.choice(a, name: "topic", from: ExplainCommand.topics)
        layerArg = topic == "bn" ? args.nextArgument() : nil
        batch = try args.int("batch", default: 32, range: 2...100_000)!
        units = try args.int("units", default: 3, range: 1...50)!
        samples = try args.int("samples", default: 100, range: 1...100_000)!
        index = try args.int("index", default: 0, range: 0...100_000_000)!
    }

    func f(_ x: Float) -> String { String(format: "%.4f", x) }

    /// The first `batch` training samples.
    func firstBatch(_ d: Dataset) -> (Tensor, [Float]) {
        d.train.head(batch)
    }

    func run(_ session: Session) throws -> String {
        let m = try session.requireBuiltModel()
        switch topic {
        case "freeze":
            var rows = [["#", "layer", "trainable", "non-trainable", "frozen"]]
            for (i, l) in m.layers.enumerated() { rows.append(["\(i)", l.name, l.trainableCount.formatted, l.nonTrainableCount.formatted, l.isFrozen ? "yes" : ""]) }
            let c = m.counts
            return (Table.render(rows, rightAligned: [0, 2, 3]) + ["total: \(c.trainable.formatted) trainable + \(c.nonTrainable.formatted) non-trainable = \(c.total.formatted)",
                    "moving_mean and moving_variance are never trainable: BatchNormalization",
                    "updates them by averaging, not by gradients.",
                    "freeze a layer with `set trainable N false`; its weights then count as",
                    "non-trainable, and a frozen BN runs in inference mode."]).joined(separator: "\n")
        case "bn": return try explainBN(session, m)
        case "clip": return try explainClip(session)
        case "optimizer": return try explainOptimizer(session)
        case "mc": return try explainMonteCarlo(session, m)
        default: return try explainDropout(session, m)
        }
    }

    func explainBN(_ session: Session, _ m: Sequential) throws -> String {
        let d = try session.requireData(for: m)
        let idx: Int
        if let a = layerArg { idx = try VarsCommand.layer(a, in: m).0 } else {
            guard let i = m.layers.firstIndex(where: { $0 is BatchNormalization }) else { throw ShellError("the model has no batchnorm layer; `add batchnorm` first") }
            idx = i
        }
        guard let bn = m.layers[idx] as? BatchNormalization else { throw ShellError("layer \(idx) is not batchnorm") }
        let (x, _) = firstBatch(d)
        let saved = m.parameters.filter { !$0.isTrainableVariable }.map { ($0, $0.value.copy()) }
        defer { for (p, v) in saved { p.value.assign(v) } }
        var rng = RandomGenerator(seed: 0)
        var h = x
        for j in 0..<idx { h = m.layers[j](h, mode: ForwardMode(batchStatistics: true, dropout: false), rng: &rng) }
        let oldMean = bn.movingMean.value.array, oldVar = bn.movingVariance.value.array
        let out = bn(h, mode: .training, rng: &rng)
        let mom = bn.momentum
        // The units whose input varies most on this batch: a unit with a
        // constant input (a border pixel, a dead ReLU) shows only zeros.
        let byVariance = (0..<h.columns).sorted { bn.lastBatchVariance[$0] > bn.lastBatchVariance[$1] || (bn.lastBatchVariance[$0] == bn.lastBatchVariance[$1] && $0 < $1) }
        let shown = byVariance.prefix(min(units, h.columns)).sorted()
        let constant = (0..<h.columns).filter { bn.lastBatchVariance[$0] == 0 }.count
        var lines = ["layer \(idx) \(bn.name): one training batch of \(plural(h.rows, "sample")),",
                     "momentum \(formatFloat(mom)), epsilon \(formatFloat(bn.epsilon));",
                     "unit\(shown.count == 1 ? "" : "s") \(shown.map(String.init).joined(separator: ", ")) of \(h.columns): the largest batch variance"]
        if constant > 0 { lines.append("(\(constant) unit\(constant == 1 ? " has a" : "s have a") constant input on this batch, so x − μ = 0 there)") }
        let oneMinus = String(format: "%.4g", 1 - Double(mom))
        for u in shown {
            let mu = bn.lastBatchMean[u], v = bn.lastBatchVariance[u]
            let g = bn.gamma?.value[u] ?? 1, b = bn.beta?.value[u] ?? 0
            // The first sample whose input is not 0 (a ReLU zero teaches less).
            let r = (0..<h.rows).first { h[$0, u] != 0 } ?? 0
            let x0 = h[r, u], xh = (x0 - mu) / (v + bn.epsilon).squareRoot()
            let pad = String(repeating: " ", count: "sample \(r): ".count + 2)
            lines.append("unit \(u):")
            lines.append("  batch mean μ = \(f(mu)), batch variance σ² = \(f(v)) (biased)")
            lines.append("  sample \(r): x = \(f(x0)) → x̂ = (x − μ)/√(σ² + ε) = \(f(xh))")
            lines.append("\(pad)→ y = γ·x̂ + β = \(f(g))·\(f(xh)) + \(f(b)) = \(f(out[r, u]))")
            lines.append("  moving_mean ← \(formatFloat(mom)) × \(f(oldMean[u])) + \(oneMinus) × \(f(mu)) = \(f(bn.movingMean.value[u]))")
            lines.append("  moving_variance ← \(formatFloat(mom)) × \(f(oldVar[u])) + \(oneMinus) × \(f(v)) = \(f(bn.movingVariance.value[u]))")
            lines.append("  at inference, with the moving statistics before this batch:")
            lines.append("    y = γ·(x − moving_mean)/√(moving_variance + ε) + β = \(f(g * (x0 - oldMean[u]) / (oldVar[u] + bn.epsilon).squareRoot() + b))")
        }
        lines.append("(nothing was changed: the moving statistics were restored; Keras' momentum")
        lines.append(" weights the moving average, MLX/PyTorch's the batch)")
        return lines.joined(separator: "\n")
    }

    func explainClip(_ session: Session) throws -> String {
        let m = try session.requireCompiled()
        let d = try session.requireData(for: m)
        var rng = session.rng
        _ = try GradientsCommand.measure(session: session, model: m, data: d, batch: batch, rng: &rng)
        let ps = m.parameters.filter(\.trainable)
        let norms = ps.map { Float(Statistics($0.gradient).norm) }
        let global = norms.reduce(0) { ($0 * $0 + $1 * $1).squareRoot() }
        let c = m.optimizer!.clipping
        let limit = c.clipNorm ?? c.globalClipNorm ?? c.clipValue ?? 1
        var rows = [["variable", "grad norm", "clipnorm=\(formatFloat(limit))", "global_clipnorm=\(formatFloat(limit))", "max |g|"]]
        for (p, n) in zip(ps, norms) {
            let maxAbs = p.gradient.array.map(abs).max() ?? 0
            rows.append([p.path, String(format: "%.4g", n), String(format: "%.4g", min(n, limit)), String(format: "%.4g", global > limit ? n * limit / global : n), String(format: "%.4g", maxAbs)])
        }
        var lines = ["one batch of \(plural(min(batch, d.train.count), "sample")); global norm of all gradients = \(String(format: "%.4g", global))"] + Table.render(rows, rightAligned: [1, 2, 3, 4])
        lines.append("clipvalue=v clips each element to [−v, v] (can change the direction);")
        lines.append("clipnorm=n rescales each tensor whose norm exceeds n (per tensor);")
        lines.append("global_clipnorm=n rescales all together when the global norm exceeds n")
        lines.append("(keeps the overall direction).")
        lines.append("this model compiles with: \(c.isActive ? c.description : "no clipping")")
        if m.optimizer!.iterations > 0 { lines.append("clipping fired on \(m.optimizer!.clippedSteps) of \(m.optimizer!.iterations) steps") }
        return lines.joined(separator: "\n")
    }

    /// The kernel entry with the largest |gradient| on this batch (any
    /// trainable variable when no kernel has a gradient), as (parameter, flat index).
    static func mostInformativeWeight(_ m: Sequential) -> (Parameter, Int)? {
        var best: (Parameter, Int)? = nil, bestAbs: Float = -1
        for kernelsOnly in [true, false] {
            for p in m.parameters where p.trainable && (!kernelsOnly || p.name == "kernel") {
                let g = p.gradient.buffer
                for j in g.indices where abs(g[j]) > bestAbs { bestAbs = abs(g[j]); best = (p, j) }
            }
            if bestAbs > 0 { break }
        }
        return best
    }

    /// `[r, c]` for a matrix, `[j]` otherwise.
    static func indexText(_ p: Parameter, _ j: Int) -> String {
        let shape = p.value.shape
        return shape.count == 2 ? "[\(j / shape[1]), \(j % shape[1])]" : "[\(j)]"
    }

    func explainOptimizer(_ session: Session) throws -> String {
        let m = try session.requireCompiled()
        let d = try session.requireData(for: m)
        var rng = session.rng
        _ = try GradientsCommand.measure(session: session, model: m, data: d, batch: batch, rng: &rng)
        guard let (p, j) = ExplainCommand.mostInformativeWeight(m) else { throw ShellError("no trainable weights") }
        let opt = m.optimizer!
        let li = m.layers.firstIndex { $0.parameters.contains { $0 === p } } ?? 0
        let w = p.value[j], g = p.gradient[j], lr = opt.currentLearningRate
        let slots = opt.slots(of: p).map { $0[j] }
        let t = opt.iterations + 1
        func e(_ x: Float) -> String { String(format: "%.6g", x) }
        var lines = [opt.description, "step \(t), learning rate \(formatFloat(lr))",
                     "weight: layer \(li) \(m.layers[li].name), \(p.path)\(ExplainCommand.indexText(p, j))",
                     g == 0 ? "  (every gradient is 0 on this batch of \(plural(min(batch, d.train.count), "sample")))"
                            : "  the entry with the largest |gradient| on this batch of \(plural(min(batch, d.train.count), "sample"))",
                     "w = \(e(w)), gradient g = \(e(g))"]
        switch opt.rule {
        case let r as SGD:
            let mo = r.momentum, nest = r.nesterov
            if mo == 0 { lines.append("w ← w − lr·g = \(e(w)) − \(formatFloat(lr))×\(e(g)) = \(e(w - lr * g))") }
            else {
                let m0 = slots.first ?? 0, m1 = mo * m0 - lr * g
                lines.append("m ← momentum·m − lr·g = \(formatFloat(mo))×\(e(m0)) − \(formatFloat(lr))×\(e(g)) = \(e(m1))")
                if nest { lines.append("Nesterov look-ahead: w ← w + momentum·m − lr·g = \(e(w + mo * m1 - lr * g))") }
                else { lines.append("w ← w + m = \(e(w + m1))") }
            }
        case let r as Adam:
            let b1 = r.beta1, b2 = r.beta2, eps = r.epsilon
            let m0 = slots.count > 0 ? slots[0] : 0, v0 = slots.count > 1 ? slots[1] : 0
            let m1 = m0 + (g - m0) * (1 - b1), v1 = v0 + (g * g - v0) * (1 - b2)
            let alpha = Float(Double(lr) * (1 - pow(Double(b2), Double(t))).squareRoot() / (1 - pow(Double(b1), Double(t))))
            lines.append("m ← β₁·m + (1−β₁)·g = \(e(m1))")
            lines.append("v ← β₂·v + (1−β₂)·g² = \(e(v1))")
            lines.append("bias correction (Keras): α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) = \(e(alpha))")
            lines.append("w ← w − α·m/(√v + ε) = \(e(w - alpha * m1 / (v1.squareRoot() + eps)))")
        case is Nadam, is Adamax:
            let m0 = slots.count > 0 ? slots[0] : 0, v0 = slots.count > 1 ? slots[1] : 0
            lines.append("slots before the step: m = \(e(m0)), \(opt.rule is Adamax ? "u" : "v") = \(e(v0))")
            lines.append(opt.rule is Adamax ? "Adamax: m ← β₁·m + (1−β₁)·g; u ← max(β₂·u, |g|); w ← w − lr·m/((1−β₁ᵗ)(u + ε))"
                                                   : "Nadam: Adam's m and v, with a Nesterov look-ahead on m (Keras' momentum schedule)")
        case let r as RMSprop:
            let rho = r.rho, mo = r.momentum, eps = r.epsilon
            let v0 = slots.first ?? 0, v1 = rho * v0 + (1 - rho) * g * g
            lines.append("v ← ρ·v + (1−ρ)·g² = \(e(v1))")
            if mo == 0 { lines.append("w ← w − lr·g/√(v + ε) = \(e(w - lr * g / (v1 + eps).squareRoot()))") }
            else { lines.append("step = lr·g/√(v + ε); m ← momentum·m + step; w ← w − m") }
        case let r as Adagrad:
            let acc = (slots.first ?? r.initialAccumulatorValue) + g * g
            lines.append("s ← s + g² = \(e(acc));  w ← w − lr·g/√(s + ε) = \(e(w - lr * g / (acc + r.epsilon).squareRoot()))")
        default:
            lines.append("slots before the step: " + (slots.isEmpty ? "none" : slots.map(e).joined(separator: ", ")))
        }
        // The optimizer's own step, run and undone, so the number shown is the one training would produce.
        let values = m.parameters.map { ($0, $0.value.copy()) }
        let state = opt.saveState()
        opt.update(m.parameters)
        let gradAfterClip = p.gradient[j], stepped = p.value[j]
        for (q, v) in values { q.value.assign(v) }
        opt.restoreState(state)
        lines.append("gradlab's \(opt.rule.name) step on this batch gives w = \(e(stepped))" + (gradAfterClip != g ? " (after clipping g to \(e(gradAfterClip)))" : ""))
        lines.append("(shown, not applied: the model and optimizer are unchanged)")
        return lines.joined(separator: "\n")
    }

    /// The dropout layer's own mask for its next call: the same random draws
    /// applied to all-ones and to all-twos inputs. A unit the layer drops
    /// gives the same output for both (0 for Dropout, the SELU saturation
    /// value for AlphaDropout); a kept one does not.
    static func dropMask(_ layer: Layer, shape: [Int], rng: RandomGenerator) -> [Bool] {
        var r1 = rng, r2 = rng
        let ones = layer(Tensor(repeating: 1, shape: shape), mode: .monteCarlo, rng: &r1).copy()
        let twos = layer(Tensor(repeating: 2, shape: shape), mode: .monteCarlo, rng: &r2)
        return (0..<ones.count).map { ones[$0] == twos[$0] }
    }

    /// The rate of a dropout-like layer, nil for other layers.
    static func dropoutRate(_ l: Layer) -> Float? {
        switch l {
        case let d as Dropout: return d.rate
        case let d as AlphaDropout: return d.rate
        case let d as MCDropout: return d.rate
        case let d as MCAlphaDropout: return d.rate
        default: return nil
        }
    }

    func explainDropout(_ session: Session, _ m: Sequential) throws -> String {
        let d = try session.requireData(for: m)
        guard let i = m.layers.firstIndex(where: { ExplainCommand.dropoutRate($0) != nil }) else {
            throw ShellError("the model has no dropout layer; `add dropout 0.2` first")
        }
        let (x, _) = firstBatch(d)
        var rng = session.rng
        var h = x
        for j in 0..<i { h = m.layers[j](h, mode: .monteCarlo, rng: &rng) }
        let input = h.copy()
        let mask = ExplainCommand.dropMask(m.layers[i], shape: input.shape, rng: rng)
        h = m.layers[i](input, mode: .monteCarlo, rng: &rng)
        let n = input.count
        var dropped = 0, inputZeros = 0, droppedZeros = 0, outputZeros = 0
        for k in 0..<n {
            if mask[k] { dropped += 1 }
            if input[k] == 0 { inputZeros += 1; if mask[k] { droppedZeros += 1 } }
            if h[k] == 0 { outputZeros += 1 }
        }
        let rate: Float = ExplainCommand.dropoutRate(m.layers[i]) ?? 0
        let offAtInference = m.layers[i].isStochasticAtInference
            ? "it stays on at inference too (\(m.layers[i].keyword))" : "at inference dropout is off"
        let p = Double(rate), spread = (p * (1 - p) / Double(max(n, 1))).squareRoot()
        func pct(_ a: Int) -> String { String(format: "%.1f %%", 100 * Double(a) / Double(max(n, 1))) }
        var lines = ["layer \(i) \(m.layers[i].name), one pass over \(plural(input.rows, "sample")) × \(plural(input.columns, "unit")) = \(plural(n, "output")):",
                     "  the mask dropped \(dropped) of \(n) = \(pct(dropped)): the true rate of this pass",
                     String(format: "  configured rate %@ = %.1f %% (± %.1f %% is the usual chance spread for %d)", formatFloat(rate), 100 * p, 100 * spread, n)]
        if m.layers[i] is AlphaDropout || m.layers[i] is MCAlphaDropout {
            lines.append("  dropped units are set to α′ = −scale·alpha of SELU, then every unit")
            lines.append("  to a·x + b, which keeps the mean 0 and the variance 1;")
            lines.append("  \(offAtInference.replacingOccurrences(of: "dropout is off", with: "alpha dropout is off")).")
        } else {
            lines.append("  \(plural(inputZeros, "input")) \(inputZeros == 1 ? "was" : "were") already 0 before dropout (e.g. ReLU zeros): not counted;")
            lines.append("  the output has \(plural(outputZeros, "zero")) in all (\(droppedZeros) of them both already 0 and dropped)")
            lines.append("survivors are scaled by 1/(1 − rate) = \(String(format: "%.4f", 1 / (1 - rate))) so the expected output is")
            if m.layers[i].isStochasticAtInference {
                lines.append("unchanged; \(offAtInference).")
                lines.append("`explain mc` for MC Dropout.")
            } else {
                lines.append("unchanged; at inference dropout is off. `explain mc` for MC Dropout.")
            }
        }
        return lines.joined(separator: "\n")
    }

    func explainMonteCarlo(_ session: Session, _ m: Sequential) throws -> String {
        let d = try session.requireData(for: m)
        guard m.layers.contains(where: { $0.isStochastic }) else {
            throw ShellError("the model has no dropout layer, so MC Dropout passes are all identical; `add dropout 0.2` first")
        }
        let (name, split) = d.test.map { ("test", $0) } ?? d.validation.map { ("validation", $0) } ?? ("train", d.train)
        guard index < split.count else { throw ShellError("index=\(index) is past the \(name) split's \(plural(split.count, "sample"))") }
        let bns = m.layers.compactMap { $0 as? BatchNormalization }
        let before = bns.map { $0.movingMean.value.array + $0.movingVariance.value.array }
        var rng = session.rng
        let one = m.predictMonteCarlo(split, indices: [index], samples: samples, rng: &rng)
        let x = Tensor(zeros: [1, split.featureCount])
        var target: Float = 0
        [index].withUnsafeBufferPointer { split.gather($0, into: x, targets: &target) }
        let det = m(x, mode: .inference, rng: &rng).copy()
        let classes = det.count
        let names = d.classNames.count == classes ? d.classNames : (0..<classes).map(String.init)
        var rows = [["class", "inference", "MC mean", "MC std"]]
        for c in 0..<classes {
            rows.append([names[c] + (c == Accuracy.classIndex(target) ? " (true)" : ""), f(det[c]), f(one.mean[0, c]), f(one.std[0, c])])
        }
        func argmax(_ t: Tensor) -> Int { (0..<classes).max { t[$0] < t[$1] } ?? 0 }
        var lines = ["MC Dropout: \(plural(one.passes, "stochastic pass", "stochastic passes")) with dropout on and BatchNormalization",
                     "in inference mode (ForwardMode.monteCarlo: dropout true, batchStatistics false)",
                     "\(name) example \(index), predicted probability per class:"]
        lines += Table.render(rows, rightAligned: [1, 2, 3])
        lines.append("MC predicts \(names[argmax(one.mean)]) (mean \(f(one.mean[0, argmax(one.mean)]))); inference predicts \(names[argmax(det)])")
        lines.append("the std is the spread of the \(plural(one.passes, "pass", "passes")): the model's uncertainty on this example")
        let after = bns.map { $0.movingMean.value.array + $0.movingVariance.value.array }
        if bns.isEmpty {
            lines.append("(this model has no BatchNormalization layer)")
        } else {
            lines.append("BatchNormalization used its moving statistics: checked, " + (bns.count == 1 ? "the BN layer's" : "the \(bns.count) BN layers'"))
            lines.append(before == after ? "moving statistics did not change during the passes." : "WARNING: moving statistics changed during the passes")
        }
        lines.append("(Keras' model(X, training=True) would also switch BN to batch statistics —")
        lines.append(" keras#9412; gradlab keeps the two apart.)")
        let deterministic = m.evaluate(split).accuracy
        let mc: Double, passes: Int, source: String
        if let last = session.lastMonteCarloEvaluation, last.applies(to: m, split: name, split) {
            (mc, passes, source) = (last.accuracy, last.passes, "from your last `evaluate \(name) mc`")
        } else {
            var r2 = session.rng
            let r = m.predictMonteCarlo(split, samples: samples, rng: &r2, shouldStop: session.interruptRequested)
            session.clearInterrupt()
            var targets = (0..<split.count).map { split.target($0) }
            let correct = targets.withUnsafeMutableBufferPointer { Accuracy.correct(output: r.mean, targets: $0.baseAddress!) }
            (mc, passes, source) = (Double(correct) / Double(split.count), r.passes, "measured now")
        }
        lines.append("\(name) accuracy over \(plural(split.count, "sample")):")
        lines.append("  deterministic (inference mode): \(f(Float(deterministic)))")
        lines.append("  MC Dropout (mean of \(plural(passes, "pass", "passes")), \(source)): \(f(Float(mc)))")
        lines.append(String(format: "  MC − deterministic = %+.4f", mc - deterministic))
        return lines.joined(separator: "\n")
    }
}
