import GradNN
import GradTensor

/// `activations [batch=N]`: per layer, output mean, std, fraction saturated and dead.
struct ActivationsCommand: Command {
    static let spec = CommandSpec(
        name: "activations", summary: "per-layer output mean, std, saturated and dead fractions",
        usage: "activations [batch=256]",
        discussion: "One forward pass on the first training samples (training-mode BatchNormalization, no dropout; the model is not changed). Saturated: sigmoid outputs below 0.02 or above 0.98, tanh beyond ±0.96. Dead: ReLU-family units (relu, leaky_relu, elu, selu, prelu, rrelu) whose output is ≤ 0 for every sample of the batch — for ReLU such a unit gets no gradient at all; leaky_relu, ELU and SELU still pass a small gradient there, which is how they revive.",
        keys: [KeySpec("batch", "samples in the batch (default 256)")],
        examples: ["activations", "activations batch=1000"], category: "inspect")
    let batch: Int

    init(_ args: inout Arguments, session: Session) throws {
        batch = try args.int("batch", positional: true, default: 256, range: 1...100_000)!
    }

    func run(_ session: Session) throws -> String {
        let m = try session.requireBuiltModel()
        let d = try session.requireData(for: m)
        let stats = ActivationsCommand.measure(m, d.train, batch: batch)
        var rows = [["#", "layer", "activation", "mean", "std", "saturated", "dead"]]
        for s in stats {
            rows.append(["\(s.index)", s.layer, s.activation, String(format: "%.4f", s.mean), String(format: "%.4f", s.std),
                         String(format: "%.1f%%", 100 * s.saturated), s.dead.map { String(format: "%.1f%%", 100 * $0) } ?? "—"])
        }
        return Table.render(rows, rightAligned: [0, 3, 4, 5, 6]).joined(separator: "\n")
    }

    struct Stat { var index: Int; var layer: String; var activation: String; var mean: Double; var std: Double; var saturated: Double; var dead: Double? }

    static func measure(_ m: Sequential, _ split: DataSplit, batch: Int) -> [Stat] {
        let (x, _) = split.head(batch)
        let saved = m.parameters.filter { !$0.isTrainableVariable }.map { ($0, $0.value.copy()) }
        var rng = RandomGenerator(seed: 0)
        var h = x
        var out: [Stat] = []
        let mode = ForwardMode(batchStatistics: true, dropout: false)
        for (i, layer) in m.layers.enumerated() {
            h = layer(h, mode: mode, rng: &rng)
            if layer is Flatten || layer is Dropout { continue }
            let s = Statistics(h)
            let act: Activation? = (layer as? ActivatedLayer)?.activation
            var sat = 0
            if let act { for j in 0..<h.count where act.isSaturated(h[j]) { sat += 1 } }
            var dead: Double? = nil
            let reluLike: Bool
            switch act {
            case .relu?, .leakyRelu?, .elu?, .selu?: reluLike = true
            default: reluLike = layer is PReLU || layer is RReLU
            }
            if reluLike {
                let c = h.columns
                var deadUnits = 0
                for j in 0..<c {
                    var alive = false
                    for r in 0..<h.rows where h[r * c + j] > 0 { alive = true; break }
                    if !alive { deadUnits += 1 }
                }
                dead = Double(deadUnits) / Double(max(c, 1))
            }
            let name = act?.name ?? layer.typeName
            out.append(Stat(index: i, layer: layer.name, activation: name, mean: s.mean, std: s.std,
                            saturated: Double(sat) / Double(max(h.count, 1)), dead: dead))
        }
        for (p, v) in saved { p.value.assign(v) }
        return out
    }
}
