import Foundation
import GradNN
import GradTensor

/// `hist weights|activations|gradients LAYER`: a histogram in the terminal (and SVG).
struct HistCommand: Command {
    static let spec = CommandSpec(
        name: "hist", summary: "histogram of a layer's weights, activations or gradients",
        usage: "hist weights|activations|gradients LAYER [bins=20] [batch=256]",
        discussion: "activations and gradients come from one batch of training data (the model is not changed).",
        keys: [KeySpec("bins", "number of bins (default 20)"), KeySpec("batch", "samples for activations/gradients (default 256)")],
        positional: .words(["weights", "activations", "gradients"]),
        examples: ["hist weights 1", "hist activations 2", "hist gradients 1"], category: "inspect")
    let what: String
    let layerArg: Argument
    let bins: Int
    let batch: Int

    init(_ args: inout Arguments, session: Session) throws {
        guard let w = args.nextArgument() else { throw ShellError("hist what? weights, activations or gradients") }
        what = try Arguments.choice(w, name: "hist", from: ["weights", "activations", "gradients"])
        guard let l = args.nextArgument() else { throw ShellError("hist \(what) needs a layer index or name") }
        layerArg = l
        bins = try args.int("bins", default: 20, range: 2...200)!
        batch = try args.int("batch", default: 256, range: 1...100_000)!
    }

    func run(_ session: Session) throws -> String {
        let m = try session.requireBuiltModel()
        let (i, layer) = try VarsCommand.layer(layerArg, in: m)
        var values: [Double]
        switch what {
        case "weights":
            guard let k = layer.parameters.first(where: { $0.isTrainableVariable }) else { throw ShellError("layer \(i) \(layer.name) has no weights") }
            values = k.value.array.map(Double.init)
        case "activations":
            let d = try session.requireData(for: m)
            values = HistCommand.activations(m, d.train, layer: i, batch: batch)
        default:
            let m = try session.requireCompiled()
            var rng = session.rng
            _ = try GradientsCommand.measure(session: session, model: m, data: try session.requireData(for: m), batch: batch, rng: &rng)
            guard let k = layer.parameters.first(where: { $0.trainable }) else { throw ShellError("layer \(i) \(layer.name) has no trainable weights") }
            values = k.gradient.array.map(Double.init)
        }
        let floats = values.map(Float.init)
        let std = floats.withUnsafeBufferPointer { Statistics($0).std }
        let s = values.isEmpty ? "" : String(format: "mean %.4g  std %.4g  min %.4g  max %.4g  (%@)",
                                              values.reduce(0, +) / Double(values.count), std,
                                              values.min()!, values.max()!, plural(values.count, "value"))
        return (["\(what) of layer \(i) \(layer.name): " + s] + Histogram.render(values, bins: bins, width: max(20, min(session.width, 100) - 30))).joined(separator: "\n")
    }

    /// Outputs of layer `index` on the first `batch` training samples.
    static func activations(_ m: Sequential, _ split: DataSplit, layer index: Int, batch: Int) -> [Double] {
        let (x, _) = split.head(batch)
        let saved = m.parameters.filter { !$0.isTrainableVariable }.map { ($0, $0.value.copy()) }
        defer { for (p, v) in saved { p.value.assign(v) } }
        var rng = RandomGenerator(seed: 0)
        var h = x
        for (j, l) in m.layers.enumerated() {
            h = l(h, mode: ForwardMode(batchStatistics: true, dropout: false), rng: &rng)
            if j == index { break }
        }
        return h.array.map(Double.init)
    }
}
