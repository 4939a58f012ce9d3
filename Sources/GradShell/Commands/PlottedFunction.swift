import Foundation
import GradNN
import GradTensor

/// A curve `plot activation` draws: a Keras activation, through the code
/// training runs, or the book's Swish with a β (figure 11-4,
/// `swish(z, beta) = z·σ(βz)`), which Keras 3's `silu` does not take, so it
/// exists for plots only.
enum PlottedFunction: Equatable {
    case activation(Activation)
    /// `z·σ(βz)` (Ramachandran et al. 2017); β = 1 is `silu`.
    case swish(beta: Double)

    var name: String {
        switch self {
        case .activation(let f): return f.name
        case .swish(let b): return "swish(\(formatFloat(Float(b))))"
        }
    }

    /// `relu`, `elu(0.5)`, `swish(0.6)`, `silu(beta=2)`.
    static func parse(_ a: Argument) throws -> PlottedFunction {
        if case .call(let n, let p, let k) = a.value, ["swish", "silu"].contains(n.lowercased()),
            !(p.isEmpty && k.isEmpty)
        {
            let (pos, kw) = try ValueParsing.callArgs(a.value)
            try ValueParsing.checkKeys(kw, allowed: ["beta"], in: n)
            if pos.count + kw.count != 1 {
                throw ShellError("\(n)() takes one argument, β: swish(0.6) or swish(beta=0.6)", at: a.span)
            }
            let b = try Arguments.float(kw["beta"] ?? pos[0], name: "beta", range: 0...100)
            return .swish(beta: Double(b))
        }
        let f = try ValueParsing.activation(a)
        guard f.isElementwise else {
            throw ShellError("softmax works on whole rows, so it has no curve of one variable", at: a.span)
        }
        return .activation(f)
    }

    /// f and f′ at `count` points across `range`.
    func curve(_ range: (Double, Double), count: Int = 101) -> (x: [Double], y: [Double], dy: [Double]) {
        switch self {
        case .activation(let f): return PlotCommand.curve(f, range, count: count)
        case .swish(let b):
            let xs = (0..<count).map { range.0 + (range.1 - range.0) * Double($0) / Double(count - 1) }
            return (
                xs, xs.map { PlottedFunction.swish($0, beta: b) },
                xs.map { PlottedFunction.swishDerivative($0, beta: b) }
            )
        }
    }

    /// `z·σ(βz)`.
    static func swish(_ z: Double, beta: Double) -> Double { z / (1 + exp(-beta * z)) }

    /// d/dz z·σ(βz) = σ(βz) + βz·σ(βz)·(1 − σ(βz)).
    static func swishDerivative(_ z: Double, beta: Double) -> Double {
        let s = 1 / (1 + exp(-beta * z))
        return s + beta * z * s * (1 - s)
    }
}
