import GradNN

/// `summary`: Keras' model summary — layers, output shapes, parameter counts.
struct SummaryCommand: Command {
    static let spec = CommandSpec(
        name: "summary", summary: "show layers, output shapes and parameter counts", usage: "summary",
        examples: ["summary"], category: "model")
    init(_ args: inout Arguments, session: Session) throws {}

    func run(_ session: Session) throws -> String {
        let m = try session.requireModel()
        if session.data != nil, !m.layers.isEmpty { _ = try session.requireBuiltModel() }
        return SummaryCommand.render(m.summary(), compiled: m.optimizer?.description)
    }

    static func render(_ s: Summary, compiled: String? = nil) -> String {
        var rows = [["#", "Layer (type)", "Output Shape", "Param #", ""]]
        for r in s.rows {
            rows.append(["\(r.index)", "\(r.name) (\(r.type))", r.outputShape, r.parameters.formatted, r.note])
        }
        var lines = Table.render(rows, rightAligned: [0, 3])
        lines.append("Total params: \(s.total.formatted)   Trainable: \(s.trainable.formatted)   Non-trainable: \(s.nonTrainable.formatted)")
        if let c = compiled { lines.append("Optimizer: \(c)") }
        return lines.joined(separator: "\n")
    }
}
