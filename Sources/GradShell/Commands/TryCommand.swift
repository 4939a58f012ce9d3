import Foundation
import GradNN
import GradTensor

/// `try KNOB=VALUE … [epochs=1] [keep]`: an A/B test — the current
/// architecture and the changed one, rebuilt from the same seed, trained on
/// the same batches; gradient tables and metrics side by side.
struct TryCommand: Command {
    static let spec = CommandSpec(
        name: "try", summary: "A/B test a change (e.g. he_normal + elu) against the current setup, same seed",
        usage: "try KNOB=VALUE … [epochs=1] [batch_size=32] [keep]",
        discussion: "Knobs as for compare (optimizer, kernel_initializer, activation, learning_rate, batchnorm, clipnorm), several at once. Both runs start from weights drawn with the same seed; `keep` replaces the model with the variant.",
        keys: CompareCommand.spec.keys.filter { CompareCommand.knobs.contains($0.name) } + [KeySpec("epochs", "default 1"), KeySpec("batch_size", "default 32")],
        positional: .words(["keep"]),
        examples: ["try kernel_initializer=he_normal activation=elu epochs=1", "try batchnorm=on keep"], category: "experiment")
    let changes: [(String, Argument)]
    let epochs: Int
    let batchSize: Int
    let keep: Bool

    init(_ args: inout Arguments, session: Session) throws {
        var c: [(String, Argument)] = []
        for k in CompareCommand.knobs { if let a = args.keyword(k) { c.append((k, a)); _ = try CompareCommand.variantChange(k, a) } }
        guard !c.isEmpty else { throw ShellError("try needs a change, e.g. `try kernel_initializer=he_normal activation=elu`") }
        changes = c
        epochs = try args.int("epochs", default: 1, range: 1...10_000)!
        batchSize = try args.int("batch_size", default: 32, range: 1...1_000_000)!
        var keep = false
        while let a = args.nextArgument() { _ = try Arguments.choice(a, name: "try option", from: ["keep"]); keep = true }
        self.keep = keep
    }

    func run(_ session: Session) throws -> String {
        let base = try session.requireCompiled()
        let d = try session.requireData(for: base)
        let seed = session.seed &+ 2000
        let label = changes.map { "\($0.0)=\($0.1.value.text)" }.joined(separator: " ")
        var runs: [(String, Sequential, [GradientRow])] = []
        for (name, ch) in [("before", [CompareCommand.Change]()), ("after", try changes.map { try CompareCommand.variantChange($0.0, $0.1) })] {
            let m: Sequential
            do { m = try CompareCommand.variant(of: base, changes: ch, inputShape: d.sampleShape, seed: seed) } catch let e as ModelError { throw ShellError(e.message) }
            var r = RandomGenerator(seed: seed &+ 1)
            let grads = try GradientsCommand.measure(session: session, model: m, data: d, batch: 256, rng: &r)
            var rng = RandomGenerator(seed: seed &+ 2)
            let epochsBefore = m.history.epochs.count
            let stop = m.fit(train: d.train, validation: d.validation, options: FitOptions(epochs: epochs, batchSize: batchSize), rng: &rng, shouldStop: session.interruptRequested)
            // Exploring trains too: it counts toward an exercise's epoch budget.
            session.exerciseTraining.record(m.history.epochs[epochsBefore...], data: session.dataRecipe)
            if case .interrupted = stop { session.clearInterrupt() }
            runs.append((name, m, grads))
        }
        var lines = ["before: current setup    after: \(label)    (same seed, \(plural(epochs, "epoch")))", "", "gradient norm per layer at the start:"]
        let (b0, a0) = (runs[0].2, runs[1].2)
        // Compare dense layers with dense layers (BN may come and go between the two).
        let b = b0.filter { runs[0].1.layers[$0.index] is Dense || runs[0].1.layers[$0.index] is Residual }
        let a = a0.filter { runs[1].1.layers[$0.index] is Dense || runs[1].1.layers[$0.index] is Residual }
        var rows = [["dense layer", "before", "after"]]
        for i in 0..<max(b.count, a.count) {
            rows.append([i < b.count ? b[i].layer : a[i].layer,
                         i < b.count ? String(format: "%.3e", b[i].gradientNorm) : "—", i < a.count ? String(format: "%.3e", a[i].gradientNorm) : "—"])
        }
        func ratio(_ r: [GradientRow]) -> String {
            guard let f = r.first, let l = r.last, l.gradientNorm > 0 else { return "—" }
            return String(format: "%.2e", f.gradientNorm / l.gradientNorm)
        }
        rows.append(["first/last ratio", ratio(b), ratio(a)])
        lines += Table.render(rows, rightAligned: [1, 2])
        lines.append("")
        var m = [["after training", "before", "after"]]
        for key in ["loss", "accuracy", "val_loss", "val_accuracy"] {
            let x = runs[0].1.history.last?.value(key), y = runs[1].1.history.last?.value(key)
            if x == nil && y == nil { continue }
            m.append([key, x.map { String(format: "%.4f", $0) } ?? "—", y.map { String(format: "%.4f", $0) } ?? "—"])
        }
        lines += Table.render(m, rightAligned: [1, 2])
        if keep {
            let old = session.model
            session.model = runs[1].1
            session.pushUndo("try keep") { [unowned session] in session.model = old }
            lines.append("kept the variant as the session's model")
        }
        return lines.joined(separator: "\n")
    }
}
