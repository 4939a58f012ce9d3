import GradNN
import GradTensor

/// `pretrain layerwise epochs=N`: greedy layer-wise autoencoder pretraining of the hidden dense layers.
struct PretrainCommand: Command {
    static let spec = CommandSpec(
        name: "pretrain", summary: "greedy layer-wise unsupervised pretraining (autoencoders) of the hidden layers",
        usage: "pretrain layerwise [epochs=1] [batch_size=32] [learning_rate=0.001]",
        discussion: "Each hidden dense layer in turn is trained to encode its input so that a linear decoder can reconstruct it (mean squared error), with the layers below fixed; labels are not used. Afterwards load the few labelled samples (e.g. `data fashion-mnist limit=500`) and `fit` as usual.",
        keys: [KeySpec("epochs", "epochs per layer (default 1)"), KeySpec("batch_size", "default 32"), KeySpec("learning_rate", "Adam's rate (default 0.001)")],
        positional: .words(["layerwise"]), examples: ["pretrain layerwise epochs=2"], category: "train")
    let epochs: Int, batchSize: Int, learningRate: Float

    init(_ args: inout Arguments, session: Session) throws {
        _ = try args.choice("method", positional: true, from: ["layerwise"], default: "layerwise")
        epochs = try args.int("epochs", default: 1, range: 1...10_000)!
        batchSize = try args.int("batch_size", default: 32, range: 1...1_000_000)!
        learningRate = try args.float("learning_rate", default: 0.001, range: 1e-9...10)!
    }

    func run(_ session: Session) throws -> String {
        let m = try session.requireBuiltModel()
        let d = try session.requireData(for: m)
        guard m.layers.filter({ $0 is Dense }).count >= 2 else { throw ShellError("pretraining needs at least one hidden dense layer below the output layer") }
        var rng = session.rng
        let reports = Pretraining.greedyLayerwise(m, on: d.train, epochs: epochs, batchSize: batchSize, learningRate: learningRate, rng: &rng,
                                                  shouldStop: session.interruptRequested) { session.emit($0) }
        session.rng = rng
        session.clearInterrupt()
        var rows = [["layer", "first epoch mse", "last epoch mse"]]
        for r in reports { rows.append(["\(r.index) \(r.name)", String(format: "%.5f", r.firstLoss), String(format: "%.5f", r.lastLoss)]) }
        return (Table.render(rows, rightAligned: [1, 2]) + ["pretrained \(plural(reports.count, "hidden layer")) without labels; the output layer is left for `fit`"]).joined(separator: "\n")
    }
}
