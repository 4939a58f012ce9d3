import Foundation
import GradNN

/// `evaluate [test|validation|train] [mc samples=100]`: loss and accuracy in inference mode.
struct EvaluateCommand: Command {
    static let spec = CommandSpec(
        name: "evaluate", summary: "loss and accuracy on a split (mc: MC Dropout accuracy)",
        usage: "evaluate [test | validation | train] [mc] [samples=100]",
        discussion: "`evaluate test mc samples=100` averages 100 stochastic passes with dropout on and BatchNormalization in inference mode, then scores the mean prediction. A model with mc_dropout or mc_alpha_dropout layers (the book's MCDropout) keeps them on at inference, so a plain `evaluate` is itself one stochastic pass and changes from call to call, as Keras' model.evaluate does with them.",
        keys: [KeySpec("samples", "mc: number of stochastic passes (default 100)"),
               KeySpec("batch_size", "samples per forward pass (default 500)")],
        positional: .words(["test", "validation", "train", "mc"]),
        examples: ["evaluate test", "evaluate validation", "evaluate test mc samples=100"], category: "train")
    let splitName: String
    let mc: Bool
    let samples: Int
    let batchSize: Int

    init(_ args: inout Arguments, session: Session) throws {
        var split = "test", mc = false
        while let a = args.nextArgument() {
            let w = try Arguments.choice(a, name: "split", from: ["test", "validation", "valid", "val", "train", "mc"])
            if w == "mc" { mc = true } else { split = w }
        }
        splitName = split
        self.mc = mc
        samples = try args.int("samples", default: 100, range: 1...100_000)!
        batchSize = try args.int("batch_size", default: mc ? 1000 : 500, range: 1...1_000_000)!
    }

    func run(_ session: Session) throws -> String {
        let m = try session.requireCompiled()
        let d = try session.requireData(for: m)
        guard let split = d.split(named: splitName), split.count > 0 else {
            throw ShellError("the data has no \(splitName) split" + (splitName.hasPrefix("val") ? "; load it with validation=N" : ""))
        }
        let t0 = Date()
        var rng = session.rng
        let e = m.evaluate(split, batchSize: batchSize, rng: &rng)
        session.rng = rng
        session.timing(String(format: "evaluate seconds=%.6f", Date().timeIntervalSince(t0)))
        var line = "\(splitName): loss: \(String(format: "%.4f", e.loss)) - accuracy: \(String(format: "%.4f", e.accuracy))  (\(plural(e.count, "sample")))"
        if let l = m.layers.first(where: { $0.isStochasticAtInference }) {
            line += "\nnote: \(l.keyword) stays on at inference, so this is one stochastic pass (as in Keras);"
                + "\n  `evaluate \(splitName) mc` averages many"
        }
        guard mc else { return line }
        guard m.layers.contains(where: { $0.isStochastic }) else {
            return line + "\nnote: the model has no dropout layer, so MC Dropout passes are all identical"
        }
        let t1 = Date()
        rng = session.rng
        let r = m.predictMonteCarlo(split, samples: samples, batchSize: batchSize, rng: &rng, shouldStop: session.interruptRequested)
        session.rng = rng
        session.clearInterrupt()
        session.timing(String(format: "evaluate_mc seconds=%.6f", Date().timeIntervalSince(t1)))
        var correct = 0
        var targets = [Float](repeating: 0, count: split.count)
        for i in 0..<split.count { targets[i] = split.target(i) }
        correct = targets.withUnsafeBufferPointer { Accuracy.correct(output: r.mean, targets: $0.baseAddress!) }
        let accuracy = Double(correct) / Double(split.count)
        session.lastMonteCarloEvaluation = MonteCarloEvaluation(
            split: splitName.hasPrefix("val") ? "validation" : splitName,
            passes: r.passes, requested: samples, accuracy: accuracy, state: MonteCarloEvaluation.state(of: m, on: split))
        line += "\n\(splitName) mc (\(plural(r.passes, "pass", "passes"))): mc accuracy: \(String(format: "%.4f", accuracy))"
        if r.passes < samples { line += "  (interrupted after \(r.passes) of \(samples) passes)" }
        return line
    }
}

/// The last `evaluate … mc`: its split, passes and accuracy, and a digest of
/// the model state and data it measured, so that `check` and `explain mc`
/// can reuse the number the learner saw instead of drawing new passes.
struct MonteCarloEvaluation {
    /// `test`, `validation` or `train`.
    var split: String
    /// Passes run (fewer than `requested` when interrupted).
    var passes: Int
    var requested: Int
    var accuracy: Double
    var state: Int

    /// A digest of everything an MC accuracy depends on but the random
    /// passes: the model object, its layers' names and settings, every
    /// variable's bits (trainable or not), and the split's samples.
    static func state(of m: Sequential, on split: DataSplit) -> Int {
        var h = Hasher()
        h.combine(ObjectIdentifier(m))
        h.combine(ObjectIdentifier(split.storage))
        h.combine(split.range.lowerBound)
        h.combine(split.range.upperBound)
        for l in m.layers {
            h.combine(l.name)
            for (k, v) in l.config { h.combine(k); h.combine(v) }
            for p in l.parameters {
                h.combine(p.count)
                for v in p.value.buffer { h.combine(v.bitPattern) }
            }
        }
        return h.finalize()
    }

    /// Whether this evaluation measured `split` (named `name`) of `m` as it is now.
    func applies(to m: Sequential, split name: String, _ split: DataSplit) -> Bool {
        self.split == name && state == MonteCarloEvaluation.state(of: m, on: split)
    }
}
