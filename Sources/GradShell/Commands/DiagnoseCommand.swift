import GradNN
import GradTensor

/// `diagnose`: a verdict in words, with the numbers and thresholds behind it,
/// and the chapter's remedies as commands to run.
struct DiagnoseCommand: Command {
    static let spec = CommandSpec(
        name: "diagnose", summary: "explain what is wrong (vanishing/exploding gradients, saturation, dead units…) and what to try",
        usage: "diagnose [batch=256]", keys: [KeySpec("batch", "samples measured (default 256)")],
        examples: ["diagnose"], category: "experiment")
    let batch: Int
    init(_ args: inout Arguments, session: Session) throws { batch = try args.int("batch", default: 256, range: 1...100_000)! }

    func run(_ session: Session) throws -> String {
        let m = try session.requireCompiled()
        let d = try session.requireData(for: m)
        var rng = session.rng
        let grads = try GradientsCommand.measure(session: session, model: m, data: d, batch: batch, rng: &rng)
        let acts = ActivationsCommand.measure(m, d.train, batch: batch)
        var findings: [String] = [], remedies: [String] = []
        let maxG = grads.map(\.gradientNorm).max() ?? 0
        let vanishing = grads.filter { maxG > 0 && $0.gradientNorm / maxG < GradientsCommand.vanishingRatio }
        if !vanishing.isEmpty {
            let worst = vanishing.map { $0.gradientNorm / maxG }.min()!
            findings.append("vanishing gradients: layers \(DiagnoseCommand.ranges(vanishing.map(\.index))) get less than 1/100 of the largest layer's gradient norm (worst \(String(format: "%.1e", worst))×)")
            remedies += ["try kernel_initializer=he_normal activation=elu", "try batchnorm=on", "try activation=selu kernel_initializer=lecun_normal"]
        }
        let exploding = grads.filter { !$0.gradientNorm.isFinite || ($0.weightNorm > 0 && $0.gradientNorm / $0.weightNorm > GradientsCommand.explodingRatio) }
        if !exploding.isEmpty {
            findings.append("exploding gradients: layers \(DiagnoseCommand.ranges(exploding.map(\.index))) have gradients over 100× their weights")
            remedies += ["compile … clipnorm=1.0", "set learning_rate \(formatFloat((m.optimizer!.currentLearningRate) / 10))", "try batchnorm=on"]
        }
        // One finding per kind, however many layers: a 100-layer net stays readable.
        let saturated = acts.filter { $0.saturated > 0.25 }
        if let worst = saturated.max(by: { $0.saturated < $1.saturated }) {
            let which = saturated.count == 1 ? "layer \(worst.index)'s \(worst.activation) outputs are" : "\(saturated.count) layers' outputs (layers \(DiagnoseCommand.ranges(saturated.map(\.index)))) are"
            findings.append(String(format: "%@ over 25 %% saturated (near the flat ends, where the derivative is ≈ 0); worst %.0f %% at layer %d (%@)",
                                   which, 100 * worst.saturated, worst.index, worst.activation))
            remedies.append("try activation=elu kernel_initializer=he_normal")
        }
        let dead = acts.filter { ($0.dead ?? 0) > 0.2 }
        if let worst = dead.max(by: { ($0.dead ?? 0) < ($1.dead ?? 0) }) {
            let which = dead.count == 1 ? "layer \(worst.index) has" : "\(dead.count) layers (\(DiagnoseCommand.ranges(dead.map(\.index)))) have"
            findings.append(String(format: "%@ over 20 %% dead ReLU units (zero for the whole batch); worst %.0f %% at layer %d", which, 100 * (worst.dead ?? 0), worst.index))
            remedies += ["try activation=leaky_relu", "set learning_rate \(formatFloat(m.optimizer!.currentLearningRate / 3))"]
        }
        let h = m.history.series("loss")
        if h.count >= 3, h.suffix(3).first! <= h.last! {
            findings.append(String(format: "the training loss stopped falling (%.4f three epochs ago, %.4f now)", h.suffix(3).first!, h.last!))
            remedies.append("fit epochs=10 callbacks=reduce_lr_on_plateau(factor=0.5, patience=2)")
        }
        if let v = m.history.last?.valAccuracy, let t = m.history.last?.accuracy, t - v > 0.05 {
            findings.append(String(format: "overfitting: training accuracy %.3f vs validation %.3f", t, v))
            remedies += ["add dropout 0.2 (between hidden layers)", "add dense … kernel_regularizer=l2(0.01)"]
        }
        if m.optimizer!.clippedSteps > 0 {
            findings.append("gradient clipping fired on \(m.optimizer!.clippedSteps) of \(m.optimizer!.iterations) steps")
        }
        var lines = ["learning rate \(formatFloat(m.optimizer!.currentLearningRate)), optimizer \(m.optimizer!.rule.name), \(plural(m.history.epochs.count, "epoch")) trained"]
        if findings.isEmpty {
            lines.append("no problem found: gradients flow (every layer within 1/100 of the largest, none over 100× its weights), under 25 % saturated, under 20 % dead units")
        } else {
            lines.append("\(plural(findings.count, "finding")) on \(plural(m.layers.count, "layer")):")
            lines += findings.map { "• " + $0 }
            var seen = Set<String>()
            lines.append("what the chapter suggests:")
            for r in remedies where seen.insert(r).inserted { lines.append("  " + r) }
        }
        return lines.joined(separator: "\n")
    }

    /// `1–4, 7, 9–12`: layer indices as runs.
    static func ranges(_ xs: [Int]) -> String {
        var out: [String] = [], i = 0
        let v = xs.sorted()
        while i < v.count {
            var j = i
            while j + 1 < v.count && v[j + 1] == v[j] + 1 { j += 1 }
            out.append(j > i + 1 ? "\(v[i])–\(v[j])" : (j == i + 1 ? "\(v[i]), \(v[j])" : "\(v[i])"))
            i = j + 1
        }
        return out.joined(separator: ", ")
    }
}
