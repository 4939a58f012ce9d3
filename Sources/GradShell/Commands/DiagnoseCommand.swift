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
            findings.append("vanishing gradients: layers \(vanishing.map { String($0.index) }.joined(separator: ", ")) get less than 1/100 of the largest layer's gradient norm (worst \(String(format: "%.1e", worst))×)")
            remedies += ["try kernel_initializer=he_normal activation=elu", "try batchnorm=on", "try activation=selu kernel_initializer=lecun_normal"]
        }
        let exploding = grads.filter { !$0.gradientNorm.isFinite || ($0.weightNorm > 0 && $0.gradientNorm / $0.weightNorm > GradientsCommand.explodingRatio) }
        if !exploding.isEmpty {
            findings.append("exploding gradients: layers \(exploding.map { String($0.index) }.joined(separator: ", ")) have gradients over 100× their weights")
            remedies += ["compile … clipnorm=1.0", "set learning_rate \(formatFloat((m.optimizer!.currentLearningRate) / 10))", "try batchnorm=on"]
        }
        for a in acts where a.saturated > 0.25 {
            findings.append(String(format: "%.0f %% of layer %d's %@ outputs are saturated (near the flat ends, where the derivative is ≈ 0)", 100 * a.saturated, a.index, a.activation))
            remedies.append("try activation=elu kernel_initializer=he_normal")
        }
        for a in acts where (a.dead ?? 0) > 0.2 {
            findings.append(String(format: "%.0f %% of layer %d's ReLU units are dead (zero for the whole batch)", 100 * (a.dead ?? 0), a.index))
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
        var lines = ["learning rate \(formatFloat(m.optimizer!.currentLearningRate)), optimizer \(m.optimizer!.kind.name), \(plural(m.history.epochs.count, "epoch")) trained"]
        if findings.isEmpty {
            lines.append("no problem found: gradients flow (every layer within 1/100 of the largest, none over 100× its weights), under 25 % saturated, under 20 % dead units")
        } else {
            lines += findings.map { "• " + $0 }
            var seen = Set<String>()
            lines.append("what the chapter suggests:")
            for r in remedies where seen.insert(r).inserted { lines.append("  " + r) }
        }
        return lines.joined(separator: "\n")
    }
}
