import GradNN
import GradTensor

/// `clip 100,1 clipvalue=1.0 | clipnorm=1.0`: shows what clipping does to a gradient.
struct ClipCommand: Command {
    static let spec = CommandSpec(
        name: "clip", summary: "show what clipvalue / clipnorm do to a gradient vector",
        usage: "clip G1,G2,… [clipvalue=V] [clipnorm=N]",
        discussion: "The notes' example: `clip 100,1 clipvalue=1.0` gives [1.0, 1.0] (the direction changes); `clip 100,1 clipnorm=1.0` gives about [0.99995, 0.0099995] (the direction is kept).",
        keys: [KeySpec("clipvalue", "clip each element to [-v, v]"), KeySpec("clipnorm", "rescale to this L2 norm at most")],
        examples: ["clip 100,1 clipvalue=1.0", "clip 100,1 clipnorm=1.0"], category: "train")
    let values: [Float]
    let clipping: Clipping

    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("clip needs a gradient, e.g. `clip 100,1 clipnorm=1.0`") }
        func items(_ v: Value) -> [Value] { if case .list(let l) = v { return l }; return [v] }
        values = try items(a.value).map { try Arguments.float(Argument(key: nil, value: $0, span: a.span), name: "gradient", range: -1e30...1e30) }
        guard values.count <= 1000 else { throw ShellError("clip takes at most 1000 values") }
        clipping = Clipping(clipValue: try args.float("clipvalue", range: 1e-12...1e12), clipNorm: try args.float("clipnorm", range: 1e-12...1e12))
        guard clipping.isActive else { throw ShellError("give clipvalue= or clipnorm=") }
    }

    func run(_ session: Session) throws -> String {
        var out: [String] = []
        for c in [Clipping(clipValue: clipping.clipValue), Clipping(clipNorm: clipping.clipNorm)] where c.isActive {
            let g = Tensor(shape: [values.count], values: values)
            let before = Statistics(g).norm
            c.apply([g])
            let after = Statistics(g).norm
            out.append("\(c.description): [\(values.map { formatFloat($0) }.joined(separator: ", "))] → [\(g.array.map { String(format: "%.6g", Double($0)) }.joined(separator: ", "))]   norm \(String(format: "%.6g", before)) → \(String(format: "%.6g", after))")
        }
        return out.joined(separator: "\n")
    }
}
