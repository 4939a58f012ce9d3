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
        keys: [KeySpec("batch", "samples in the batch (default 32)"), KeySpec("units", "bn: how many units to show (default 3)")],
        positional: .words(topics), examples: ["explain bn", "explain clip", "explain optimizer"], category: "experiment")
    let topic: String
    let layerArg: Argument?
    let batch: Int
    let units: Int

    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("explain what? " + ExplainCommand.topics.joined(separator: ", ")) }
        topic = try Arguments.choice(a, name: "topic", from: ExplainCommand.topics)
        layerArg = topic == "bn" ? args.nextArgument() : nil
        batch = try args.int("batch", default: 32, range: 2...100_000)!
        units = try args.int("units", default: 3, range: 1...50)!
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
                    "moving_mean and moving_variance are never trainable: BatchNormalization updates them by averaging, not by gradients.",
                    "freeze a layer with `set trainable N false`; its weights then count as non-trainable, and a frozen BN runs in inference mode."]).joined(separator: "\n")
        case "bn": return try explainBN(session, m)
        case "clip": return try explainClip(session)
        case "optimizer": return try explainOptimizer(session)
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
        var lines = ["layer \(idx) \(bn.name), one training batch of \(h.rows) samples, momentum \(formatFloat(mom)), epsilon \(formatFloat(bn.epsilon)):"]
        for u in 0..<min(units, h.columns) {
            let mu = bn.lastBatchMean[u], v = bn.lastBatchVariance[u]
            let g = bn.gamma?.value[u] ?? 1, b = bn.beta?.value[u] ?? 0
            let x0 = h[0, u], xh = (x0 - mu) / (v + bn.epsilon).squareRoot()
            lines.append("unit \(u):")
            lines.append("  batch mean μ = \(f(mu)), batch variance σ² = \(f(v)) (biased)")
            lines.append("  sample 0: x = \(f(x0)) → x̂ = (x − μ)/√(σ² + ε) = \(f(xh)) → y = γ·x̂ + β = \(f(g))·\(f(xh)) + \(f(b)) = \(f(out[0, u]))")
            lines.append("  moving_mean ← \(formatFloat(mom)) × \(f(oldMean[u])) + \(String(format: "%.4g", 1 - Double(mom))) × \(f(mu)) = \(f(bn.movingMean.value[u]))")
            lines.append("  moving_variance ← \(formatFloat(mom)) × \(f(oldVar[u])) + \(String(format: "%.4g", 1 - Double(mom))) × \(f(v)) = \(f(bn.movingVariance.value[u]))")
            lines.append("  at inference: y = γ·(x − moving_mean)/√(moving_variance + ε) + β = \(f(g * (x0 - oldMean[u]) / (oldVar[u] + bn.epsilon).squareRoot() + b)) (with the moving statistics before this batch)")
        }
        lines.append("(nothing was changed: the moving statistics were restored; Keras' momentum weights the moving average, MLX/PyTorch's the batch)")
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
        var lines = ["one batch of \(min(batch, d.train.count)) samples; global norm of all gradients = \(String(format: "%.4g", global))"] + Table.render(rows, rightAligned: [1, 2, 3, 4])
        lines.append("clipvalue=v clips each element to [−v, v] (can change the direction); clipnorm=n rescales each tensor whose norm exceeds n (per tensor); global_clipnorm=n rescales all together when the global norm exceeds n (keeps the overall direction).")
        lines.append("this model compiles with: \(c.isActive ? c.description : "no clipping")" + (m.optimizer!.iterations > 0 ? "; clipping fired on \(m.optimizer!.clippedSteps) of \(m.optimizer!.iterations) steps" : ""))
        return lines.joined(separator: "\n")
    }

    func explainOptimizer(_ session: Session) throws -> String {
        let m = try session.requireCompiled()
        let d = try session.requireData(for: m)
        var rng = session.rng
        _ = try GradientsCommand.measure(session: session, model: m, data: d, batch: batch, rng: &rng)
        guard let p = m.parameters.first(where: { $0.trainable && $0.name == "kernel" }) ?? m.parameters.first(where: \.trainable) else { throw ShellError("no trainable weights") }
        let opt = m.optimizer!
        let w = p.value[0], g = p.gradient[0], lr = opt.currentLearningRate
        let slots = opt.slots(of: p).map { $0[0] }
        let t = opt.iterations + 1
        var lines = ["\(opt.description), step \(t), weight \(p.path)[0] = \(f(w)), gradient g = \(String(format: "%.6g", g)), learning rate \(formatFloat(lr))"]
        switch opt.kind {
        case .sgd(let mo, let nest):
            if mo == 0 { lines.append("w ← w − lr·g = \(f(w)) − \(formatFloat(lr))×\(String(format: "%.6g", g)) = \(String(format: "%.6g", w - lr * g))") }
            else {
                let m0 = slots.first ?? 0, m1 = mo * m0 - lr * g
                lines.append("m ← momentum·m − lr·g = \(formatFloat(mo))×\(String(format: "%.6g", m0)) − \(formatFloat(lr))×\(String(format: "%.6g", g)) = \(String(format: "%.6g", m1))")
                if nest { lines.append("Nesterov look-ahead: w ← w + momentum·m − lr·g = \(String(format: "%.6g", w + mo * m1 - lr * g))") }
                else { lines.append("w ← w + m = \(String(format: "%.6g", w + m1))") }
            }
        case .adam(let b1, let b2, let eps), .nadam(let b1, let b2, let eps), .adamax(let b1, let b2, let eps):
            let m0 = slots.count > 0 ? slots[0] : 0, v0 = slots.count > 1 ? slots[1] : 0
            let m1 = m0 + (g - m0) * (1 - b1), v1 = v0 + (g * g - v0) * (1 - b2)
            let mh = m1 / (1 - powf(b1, Float(t))), vh = v1 / (1 - powf(b2, Float(t)))
            lines.append("m ← β₁·m + (1−β₁)·g = \(String(format: "%.6g", m1));  v ← β₂·v + (1−β₂)·g² = \(String(format: "%.6g", v1))")
            lines.append("bias correction: m̂ = m/(1−β₁ᵗ) = \(String(format: "%.6g", mh)), v̂ = v/(1−β₂ᵗ) = \(String(format: "%.6g", vh))")
            lines.append("w ← w − lr·m̂/(√v̂ + ε) = \(String(format: "%.6g", w - lr * mh / (vh.squareRoot() + eps)))  (Adam; Nadam adds a Nesterov look-ahead on m, Adamax uses max(β₂·u, |g|) for v)")
        case .rmsprop(let rho, _, let eps):
            let v0 = slots.first ?? 0, v1 = rho * v0 + (1 - rho) * g * g
            lines.append("v ← ρ·v + (1−ρ)·g² = \(String(format: "%.6g", v1));  w ← w − lr·g/√(v + ε) = \(String(format: "%.6g", w - lr * g / (v1 + eps).squareRoot()))")
        case .adagrad(let a0, let eps):
            let acc = (slots.first ?? a0) + g * g
            lines.append("s ← s + g² = \(String(format: "%.6g", acc));  w ← w − lr·g/√(s + ε) = \(String(format: "%.6g", w - lr * g / (acc + eps).squareRoot()))")
        }
        lines.append("(shown, not applied: the model is unchanged)")
        return lines.joined(separator: "\n")
    }

    func explainDropout(_ session: Session, _ m: Sequential) throws -> String {
        let d = try session.requireData(for: m)
        guard let i = m.layers.firstIndex(where: { $0 is Dropout || $0 is AlphaDropout }) else { throw ShellError("the model has no dropout layer; `add dropout 0.2` first") }
        let (x, _) = firstBatch(d)
        var rng = session.rng
        var h = x
        let bns = m.layers.compactMap { $0 as? BatchNormalization }
        let before = bns.map { $0.movingMean.value.array + $0.movingVariance.value.array }
        for j in 0...i { h = m.layers[j](h, mode: .monteCarlo, rng: &rng) }
        let zeros = h.array.filter { $0 == 0 }.count
        let rate: Float = (m.layers[i] as? Dropout)?.rate ?? (m.layers[i] as? AlphaDropout)?.rate ?? 0
        var lines = ["layer \(i) \(m.layers[i].name): rate \(formatFloat(rate)); in this pass \(String(format: "%.1f", 100 * Double(zeros) / Double(max(h.count, 1)))) % of \(h.count) outputs were dropped",
                     "survivors are scaled by 1/(1 − rate) = \(String(format: "%.4f", 1 / (1 - rate))) so the expected output is unchanged; at inference dropout is off."]
        if topic == "mc" || true {
            for l in m.layers.dropFirst(i + 1) { h = l(h, mode: .monteCarlo, rng: &rng) }
            let after = bns.map { $0.movingMean.value.array + $0.movingVariance.value.array }
            lines.append("MC Dropout runs many such passes with dropout on and BatchNormalization in inference mode: " +
                         (bns.isEmpty ? "(this model has no BatchNormalization)" : (before == after ? "checked — the \(bns.count) BN layer(s)' moving statistics did not change during the pass." : "WARNING: BN statistics changed")))
            lines.append("(Keras' model(X, training=True) would also switch BN to batch statistics — keras#9412; gradlab keeps them apart.)")
        }
        return lines.joined(separator: "\n")
    }
}
