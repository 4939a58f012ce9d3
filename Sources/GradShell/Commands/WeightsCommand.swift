import GradNN
import GradTensor

/// `weights N`: a layer's kernel and bias statistics with a histogram.
struct WeightsCommand: Command {
    static let spec = CommandSpec(
        name: "weights", summary: "statistics and histogram of a layer's weights",
        usage: "weights LAYER [bins=20]", keys: [KeySpec("bins", "histogram bins (default 20)")],
        examples: ["weights 1"], category: "inspect")
    let layerArg: Argument
    let bins: Int

    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("weights needs a layer index or name, e.g. `weights 1`") }
        layerArg = a
        bins = try args.int("bins", default: 20, range: 2...200)!
    }

    func run(_ session: Session) throws -> String {
        let m = try session.requireBuiltModel()
        let (i, layer) = try VarsCommand.layer(layerArg, in: m)
        guard !layer.parameters.isEmpty else { return "layer \(i) \(layer.name) has no weights" }
        var lines: [String] = []
        for p in layer.parameters where p.isTrainableVariable {
            let s = Statistics(p.value)
            lines.append("\(p.path) \(p.value.shape): mean \(String(format: "%.4f", s.mean)) std \(String(format: "%.4f", s.std)) min \(String(format: "%.4f", s.min)) max \(String(format: "%.4f", s.max)) norm \(String(format: "%.4f", s.norm))")
            lines += Histogram.render(p.value.array.map(Double.init), bins: bins, width: max(20, session.width - 30))
        }
        return lines.joined(separator: "\n")
    }
}
