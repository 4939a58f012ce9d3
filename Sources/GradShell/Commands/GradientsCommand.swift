import Foundation
import GradNN
import GradTensor

/// One layer's line in the gradient-flow table.
public struct GradientRow: Equatable {
    public var index: Int
    public var layer: String
    public var weightNorm: Double
    public var gradientNorm: Double
    public var verdict: String
}

/// `gradients [batch=N] [history]`: one forward/backward pass without an
/// update, then per-layer weight and gradient norms and a verdict.
struct GradientsCommand: Command {
    static let vanishingRatio = 1e-2
    static let explodingRatio = 1e2
    static let spec = CommandSpec(
        name: "gradients", summary: "per-layer gradient norms with a vanishing/exploding verdict",
        usage: "gradients [batch=256] | gradients history",
        discussion: "Runs one batch forward and backward (no weight update; BatchNormalization's moving statistics are restored), then shows each layer's kernel norm, gradient norm and their ratio. Verdict: a layer whose gradient norm is below 1/100 of the largest layer's is flagged vanishing; one whose gradient is over 100× its weight norm, exploding.",
        keys: [KeySpec("batch", "samples in the batch (default 256)")],
        positional: .words(["history"]), examples: ["gradients", "gradients batch=64", "gradients history"], category: "inspect")
    let batch: Int
    let history: Bool

    init(_ args: inout Arguments, session: Session) throws {
        history = args.peekWord() == "history"
        if history { _ = args.nextArgument() }
        batch = try args.int("batch", positional: !history, default: 256, range: 1...100_000)!
    }

    func run(_ session: Session) throws -> String {
        if history {
            guard !session.gradientHistory.isEmpty else { return "no gradient history yet; train with `fit epochs=5 track=gradients`" }
            let names = session.gradientHistory[0].rows.map { "\($0.index) \($0.layer)" }
            var rows = [["epoch"] + names]
            for (e, r) in session.gradientHistory { rows.append(["\(e)"] + r.map { String(format: "%.2e", $0.gradientNorm) }) }
            return (["gradient norm per layer, after each epoch"] + Table.render(rows, rightAligned: Set(0..<(names.count + 1)))).joined(separator: "\n")
        }
        let m = try session.requireCompiled()
        let d = try session.requireData(for: m)
        var rng = session.rng
        let rows = try GradientsCommand.measure(session: session, model: m, data: d, batch: batch, rng: &rng)
        var table = [["#", "layer", "weight norm", "grad norm", "grad/weight", "verdict"]]
        for r in rows {
            table.append(["\(r.index)", r.layer, String(format: "%.3e", r.weightNorm), String(format: "%.3e", r.gradientNorm),
                          String(format: "%.2e", r.weightNorm > 0 ? r.gradientNorm / r.weightNorm : 0), r.verdict])
        }
        var lines = Table.render(table, rightAligned: [0, 2, 3, 4]).map { line -> String in
            if line.hasSuffix(" ok") { return String(line.dropLast(2)) + Style.paint("ok", .green, enabled: session.useColor) }
            if let r = line.range(of: "vanishing") ?? line.range(of: "exploding") {
                return String(line[..<r.lowerBound]) + Style.paint(String(line[r.lowerBound...]), .red, enabled: session.useColor)
            }
            return line
        }
        if let first = rows.first, let last = rows.last, last.gradientNorm > 0 {
            lines.append(String(format: "first/last layer gradient norm ratio: %.2e", first.gradientNorm / last.gradientNorm))
        }
        let v = rows.filter { $0.verdict.hasPrefix("vanishing") }.count, x = rows.filter { $0.verdict.hasPrefix("exploding") }.count
        if rows.allSatisfy({ $0.gradientNorm == 0 }) {
            lines.append(Style.paint("verdict: no gradient at all", .red, enabled: session.useColor) + " — every gradient is exactly 0 (all units dead or saturated?); try leaky_relu or a lower learning rate")
        } else if v > 0 { lines.append(Style.paint("verdict: vanishing gradients", .red, enabled: session.useColor) + " in \(plural(v, "layer")) — try kernel_initializer=he_normal with relu/elu, selu with lecun_normal, or batchnorm") }
        else if x > 0 { lines.append(Style.paint("verdict: exploding gradients", .red, enabled: session.useColor) + " in \(plural(x, "layer")) — try clipnorm=1.0, a lower learning rate or batchnorm") }
        else { lines.append("verdict: gradients flow (no layer below 1/100 of the largest, none above 100× its weights)") }
        return lines.joined(separator: "\n")
    }

    /// Gradient norms of each layer with a kernel, on the first `batch` training samples.
    static func measure(session: Session, model m: Sequential, data d: Dataset, batch: Int, rng: inout RandomGenerator) throws -> [GradientRow] {
        let (x, y) = d.train.head(batch)
        let frozenState = m.parameters.filter { !$0.isTrainableVariable }.map { ($0, $0.value.copy()) }
        _ = y.withUnsafeBufferPointer { m.computeGradients(x, targets: $0.baseAddress!, rng: &rng) }
        for (p, v) in frozenState { p.value.assign(v) }
        var rows: [GradientRow] = []
        for (i, layer) in m.layers.enumerated() {
            guard let k = layer.parameters.first(where: { $0.name == "kernel" }) ?? layer.parameters.first(where: { $0.isTrainableVariable }) else { continue }
            let g = k.trainable ? Statistics(k.gradient).norm : 0
            rows.append(GradientRow(index: i, layer: layer.name, weightNorm: Statistics(k.value).norm, gradientNorm: g, verdict: ""))
        }
        let maxG = rows.map(\.gradientNorm).max() ?? 0
        for j in rows.indices {
            let r = rows[j]
            if r.gradientNorm == 0 && !(m.layers[r.index].parameters.first?.trainable ?? true) { rows[j].verdict = "frozen"; continue }
            if maxG == 0 { rows[j].verdict = "zero"; continue }
            if !r.gradientNorm.isFinite { rows[j].verdict = "exploding (non-finite)" }
            else if r.weightNorm > 0, r.gradientNorm / r.weightNorm > explodingRatio { rows[j].verdict = "exploding" }
            else if maxG > 0, r.gradientNorm / maxG < vanishingRatio { rows[j].verdict = String(format: "vanishing (%.0e× max)", r.gradientNorm / maxG) }
            else { rows[j].verdict = "ok" }
        }
        return rows
    }
}
