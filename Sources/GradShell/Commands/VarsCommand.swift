import GradNN
import GradTensor

/// `vars [N|NAME]`: the model's variables, as the notes print `[(v.name, v.trainable) …]`,
/// or one layer's variables with statistics (and BN's moving statistics' drift).
struct VarsCommand: Command {
    static let spec = CommandSpec(
        name: "vars", summary: "list variables: name, shape, trainable, statistics",
        usage: "vars [LAYER_INDEX | LAYER_NAME]",
        discussion: "`vars` alone lists (name, trainable) for the whole model, as the notes do. `vars 1` shows a layer's variables with mean, std, min and max; for BatchNormalization, how far moving_mean and moving_variance moved since the last look.",
        positional: .none, examples: ["vars", "vars 1", "vars batch_normalization"], category: "inspect")
    let layerArg: Argument?

    init(_ args: inout Arguments, session: Session) throws { layerArg = args.nextArgument() }

    func run(_ session: Session) throws -> String {
        let m = try session.requireBuiltModel()
        guard let a = layerArg else {
            let items = m.parameters.map { "('\($0.path)', \($0.trainable ? "True" : "False"))" }
            return "[" + items.joined(separator: ",\n ") + "]"
        }
        let (i, layer) = try VarsCommand.layer(a, in: m)
        guard !layer.parameters.isEmpty else { return "layer \(i) \(layer.name) (\(layer.typeName)) has no variables" }
        var rows = [["variable", "shape", "trainable", "mean", "std", "min", "max"]]
        for p in layer.parameters {
            let s = Statistics(p.value)
            rows.append([p.path, "(" + p.value.shape.map(String.init).joined(separator: ", ") + ")", p.trainable ? "yes" : "no",
                         f(s.mean), f(s.std), f(s.min), f(s.max)])
        }
        var lines = ["layer \(i): \(layer.name) (\(layer.typeName))"] + Table.render(rows, rightAligned: [3, 4, 5, 6])
        if let bn = layer as? BatchNormalization {
            let key = ObjectIdentifier(bn)
            let mm = bn.movingMean.value.array, mv = bn.movingVariance.value.array
            if let prev = session.bnLastLook[key] {
                let dm = zip(mm, prev.0).map { abs($0 - $1) }.max() ?? 0
                let dv = zip(mv, prev.1).map { abs($0 - $1) }.max() ?? 0
                lines.append("since the last look: moving_mean moved by up to \(f(Double(dm))), moving_variance by up to \(f(Double(dv)))")
            }
            lines.append("update rule (Keras): moving = moving × \(formatFloat(bn.momentum)) + batch_stat × \(String(format: "%.4g", 1 - Double(bn.momentum))); inference uses the moving statistics")
            session.bnLastLook[key] = (mm, mv)
        }
        return lines.joined(separator: "\n")
    }

    func f(_ x: Double) -> String { String(format: "%.4f", x) }

    /// A layer by index or name.
    static func layer(_ a: Argument, in m: Sequential) throws -> (Int, Layer) {
        if case .number(let v, _) = a.value {
            guard v == v.rounded(), v >= 0, v < Double(m.layers.count) else {
                throw ShellError("layer \(a.value.text) does not exist; the model has layers 0…\(m.layers.count - 1)", at: a.span)
            }
            let i = Int(v)
            return (i, m.layers[i])
        }
        let name = a.value.text
        guard let i = m.layers.firstIndex(where: { $0.name == name }) else {
            throw ShellError("no layer named '\(name)'" + Suggestions.hint(for: name, in: m.layers.map(\.name)), at: a.span)
        }
        return (i, m.layers[i])
    }
}
