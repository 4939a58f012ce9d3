import Foundation
import CGemm
import GradTensor

/// An element-wise (or, for softmax, row-wise) activation function, with the
/// Keras name and formula. Every derivative here is written in terms of the
/// activation's *output*, so a layer only keeps its output for the backward pass.
public enum Activation: Equatable, Sendable {
    case linear
    case sigmoid
    case tanh
    case relu
    /// `x if x > 0 else alpha * x` (Keras' `leaky_relu`, default negative_slope 0.2).
    case leakyRelu(alpha: Float)
    /// `x if x > 0 else alpha * (exp(x) - 1)`.
    case elu(alpha: Float)
    /// `scale * elu(x, alpha)` with Klambauer et al.'s constants.
    case selu
    /// `exp(x_i) / sum_j exp(x_j)` over each row.
    case softmax
    /// `log(1 + exp(x))`.
    case softplus
    /// `x / (1 + |x|)`.
    case softsign
    /// Keras 3's `relu6(x + 3) / 6` (Keras 2 had `0.2·x + 0.5`).
    case hardSigmoid
    /// `min(max(x, 0), 6)`.
    case relu6
    /// `x if x ≥ 0 else alpha·(exp(x / alpha) − 1)` (Barron 2017).
    case celu(alpha: Float)
    /// `exp(x)`.
    case exponential
    /// `x · sigmoid(x)`: Keras' `silu`, also named `swish`.
    case silu
    /// `0.5·x·(1 + erf(x / √2))`, or with `approximate` the tanh form
    /// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
    case gelu(approximate: Bool)
    /// `x · tanh(softplus(x))` (Misra 2019).
    case mish

    public static let seluAlpha: Float = 1.6732632423543772848170429916717
    public static let seluScale: Float = 1.0507009873554804934193349852946

    /// The Keras name, as `activation=` accepts it.
    public var name: String {
        switch self {
        case .linear: return "linear"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .relu: return "relu"
        case .leakyRelu(let a): return a == 0.2 ? "leaky_relu" : "leaky_relu(\(formatFloat(a)))"
        case .elu(let a): return a == 1 ? "elu" : "elu(\(formatFloat(a)))"
        case .selu: return "selu"
        case .softmax: return "softmax"
        case .softplus: return "softplus"
        case .softsign: return "softsign"
        case .hardSigmoid: return "hard_sigmoid"
        case .relu6: return "relu6"
        case .celu(let a): return a == 1 ? "celu" : "celu(\(formatFloat(a)))"
        case .exponential: return "exponential"
        case .silu: return "silu"
        case .gelu(let approximate): return approximate ? "gelu(approximate=true)" : "gelu"
        case .mish: return "mish"
        }
    }

    /// The base name without arguments (`leaky_relu`).
    public var baseName: String {
        switch self {
        case .leakyRelu: return "leaky_relu"
        case .elu: return "elu"
        case .celu: return "celu"
        case .gelu: return "gelu"
        default: return name
        }
    }

    /// Names accepted by `activation=`.
    public static let names = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softmax", "softplus", "softsign",
                               "hard_sigmoid", "relu6", "celu", "exponential", "silu", "swish", "gelu", "mish"]

    /// Whether the derivative needs the input as well as the output (swish,
    /// GELU and Mish are not monotonic: the output alone does not tell x).
    public var needsInput: Bool {
        switch self {
        case .silu, .gelu, .mish: return true
        default: return false
        }
    }

    /// The activation for a name and optional alpha; nil for an unknown name.
    public init?(name: String, alpha: Float? = nil) {
        switch name {
        case "linear", "none": self = .linear
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "relu": self = .relu
        case "leaky_relu", "leakyrelu": self = .leakyRelu(alpha: alpha ?? 0.2)
        case "elu": self = .elu(alpha: alpha ?? 1.0)
        case "selu": self = .selu
        case "softmax": self = .softmax
        case "softplus": self = .softplus
        case "softsign": self = .softsign
        case "hard_sigmoid": self = .hardSigmoid
        case "relu6": self = .relu6
        case "celu": self = .celu(alpha: alpha ?? 1.0)
        case "exponential": self = .exponential
        case "silu", "swish": self = .silu
        case "gelu": self = .gelu(approximate: false)
        case "mish": self = .mish
        default: return nil
        }
    }

    /// Applies the activation in place to a [rows, cols] matrix.
    public func apply(_ p: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        switch self {
        case .linear: return
        case .softmax: break
        default:
            // Element-wise: two halves, side by side when that is faster (same bits either way).
            let f = self
            Parallel.halves(rows * cols, kind: .activation) { lo, hi in f.applyElementwise(p + lo, hi - lo, rows: rows, cols: cols) }
            return
        }
        applyElementwise(p, rows * cols, rows: rows, cols: cols)
    }

    /// Whether each output depends only on its own input (all but softmax), so
    /// that any part of a layer's output can be activated on its own.
    public var isElementwise: Bool {
        if case .softmax = self { return false }
        return true
    }

    /// Applies an element-wise activation to the columns `columns` of every row.
    public func apply(_ p: UnsafeMutablePointer<Float>, rows: Int, cols: Int, columns: Range<Int>) {
        precondition(isElementwise, "\(name) is not element-wise")
        if columns.count == cols { applyElementwise(p, rows * cols, rows: rows, cols: cols); return }
        for r in 0..<rows { applyElementwise(p + r * cols + columns.lowerBound, columns.count, rows: 1, cols: columns.count) }
    }

    private func applyElementwise(_ p: UnsafeMutablePointer<Float>, _ n: Int, rows: Int, cols: Int) {
        switch self {
        case .linear: break
        case .sigmoid: Vectorized.sigmoid(p, n)
        case .tanh: Vectorized.tanh(p, n)
        case .relu: Vectorized.relu(p, n)
        case .leakyRelu(let a): Vectorized.leakyRelu(p, n, alpha: a)
        case .elu(let a): Vectorized.elu(p, n, alpha: a)
        case .selu: Vectorized.elu(p, n, alpha: Activation.seluAlpha, scale: Activation.seluScale)
        case .softplus, .softsign, .hardSigmoid, .relu6, .celu, .exponential, .silu, .gelu, .mish:
            for i in 0..<n { p[i] = value(p[i]) }
        case .softmax:
            for r in 0..<rows {
                let row = p + r * cols
                var m = -Float.infinity
                for j in 0..<cols where row[j] > m { m = row[j] }
                var s: Float = 0
                // CGemm's e^x, not glibc's: the same bits on every CPU (Sources/CGemm/expf.c).
                for j in 0..<cols { let e = cgemm_expf(row[j] - m); row[j] = e; s += e }
                let inv = 1 / s
                for j in 0..<cols { row[j] *= inv }
            }
        }
    }

    /// Turns `grad` (dL/dy) into dL/dx in place, given the output `y` (and the
    /// input `x`, which activations that `needsInput` require).
    public func backward(input x: UnsafePointer<Float>? = nil, output y: UnsafePointer<Float>, gradient g: UnsafeMutablePointer<Float>,
                         rows: Int, cols: Int) {
        precondition(!needsInput || x != nil, "\(name)'s derivative needs the input")
        switch self {
        case .linear: return
        case .softmax: break
        case .silu, .gelu, .mish:
            let f = self, xs = x!
            Parallel.halves(rows * cols, kind: .activationBackward) { lo, hi in for i in lo..<hi { g[i] *= f.derivative(x: xs[i], y: y[i]) } }
            return
        default:
            let f = self
            Parallel.halves(rows * cols, kind: .activationBackward) { lo, hi in f.backwardElementwise(y + lo, g + lo, hi - lo, rows: rows, cols: cols) }
            return
        }
        backwardElementwise(y, g, rows * cols, rows: rows, cols: cols)
    }

    /// f(x) for the activations computed one value at a time.
    func value(_ x: Float) -> Float {
        switch self {
        case .softplus: return max(x, 0) + log1pf(cgemm_expf(-abs(x)))
        case .softsign: return x / (1 + abs(x))
        case .hardSigmoid: return min(max(x + 3, 0), 6) / 6
        case .relu6: return min(max(x, 0), 6)
        case .celu(let a): return x >= 0 ? x : a * (cgemm_expf(x / a) - 1)
        case .exponential: return cgemm_expf(x)
        case .silu: return x / (1 + cgemm_expf(-x))
        case .gelu(false): return 0.5 * x * (1 + erff(x * 0.70710678118654752))
        case .gelu(true):
            let k: Float = 0.79788456080286536  // √(2/π)
            return 0.5 * x * (1 + tanhf(k * (x + 0.044715 * x * x * x)))
        case .mish: return x * tanhf(max(x, 0) + log1pf(cgemm_expf(-abs(x))))
        default: preconditionFailure("\(name) is applied by a vector kernel")
        }
    }

    /// f′ at x, for the activations whose output alone does not give it.
    func derivative(x: Float, y: Float) -> Float {
        switch self {
        case .silu:
            let s = 1 / (1 + cgemm_expf(-x))
            return s * (1 + x * (1 - s))
        case .gelu(false):
            return 0.5 * (1 + erff(x * 0.70710678118654752)) + x * cgemm_expf(-0.5 * x * x) * 0.39894228040143268
        case .gelu(true):
            let k: Float = 0.79788456080286536
            let t = tanhf(k * (x + 0.044715 * x * x * x))
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
        case .mish:
            let sp = max(x, 0) + log1pf(cgemm_expf(-abs(x)))
            let t = tanhf(sp), s = 1 / (1 + cgemm_expf(-x))
            return t + x * (1 - t * t) * s
        default: preconditionFailure("\(name)'s derivative comes from its output")
        }
    }

    private func backwardElementwise(_ y: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int, rows: Int, cols: Int) {
        switch self {
        case .linear: break
        case .sigmoid: Vectorized.sigmoidBackward(y, g, n)
        case .tanh: Vectorized.tanhBackward(y, g, n)
        case .relu: Vectorized.reluBackward(y, g, n, alpha: 0)
        case .leakyRelu(let a): Vectorized.reluBackward(y, g, n, alpha: a)
        case .elu(let a): Vectorized.eluBackward(y, g, n, alpha: a)
        case .selu: Vectorized.eluBackward(y, g, n, alpha: Activation.seluAlpha, scale: Activation.seluScale)
        case .softplus: for i in 0..<n { g[i] *= -expm1f(-y[i]) }
        case .softsign: for i in 0..<n { let d = 1 - abs(y[i]); g[i] *= d * d }
        case .hardSigmoid: for i in 0..<n { g[i] = y[i] > 0 && y[i] < 1 ? g[i] / 6 : 0 }
        case .relu6: for i in 0..<n where !(y[i] > 0 && y[i] < 6) { g[i] = 0 }
        case .celu(let a): for i in 0..<n where y[i] < 0 { g[i] *= y[i] / a + 1 }
        case .exponential: for i in 0..<n { g[i] *= y[i] }
        case .silu, .gelu, .mish: preconditionFailure("\(name)'s derivative needs the input")
        case .softmax:
            for r in 0..<rows {
                let yr = y + r * cols, gr = g + r * cols
                var dot: Float = 0
                for j in 0..<cols { dot += yr[j] * gr[j] }
                for j in 0..<cols { gr[j] = yr[j] * (gr[j] - dot) }
            }
        }
    }

    /// Whether an output value counts as saturated (sigmoid/tanh near their
    /// asymptotes), for activation statistics.
    public func isSaturated(_ y: Float) -> Bool {
        switch self {
        case .sigmoid: return y < 0.02 || y > 0.98
        case .tanh: return abs(y) > 0.96
        case .elu(let a): return y < -0.96 * a
        case .selu: return y < -0.96 * Activation.seluScale * Activation.seluAlpha
        default: return false
        }
    }
}

/// Short decimal form of a float for names and configs (`0.2`, `1e-05`).
public func formatFloat(_ x: Float) -> String {
    let d = Double(x)
    if d == d.rounded() && abs(d) < 1e6 { return String(format: "%.1f", d) }
    var s = String(format: "%g", d)
    if s.contains("e") { s = String(format: "%.6g", d) }
    return s
}

extension Activation {
    /// The activation a call names: `relu`, `elu(0.5)`, `leaky_relu(negative_slope=0.3)`.
    public init(_ call: ComponentCall) throws {
        if call.name == "gelu" {
            let args = try call.arguments(["approximate"])
            let approx = try call.word("approximate", in: args, default: "false", from: ["true", "false"])
            self = .gelu(approximate: approx == "true")
            return
        }
        if ["silu", "swish"].contains(call.name), !(call.positional.isEmpty && call.keywords.isEmpty) {
            // The book's swish(z, β) = z·σ(βz) (figure 11-4); Keras 3's silu has no β, so no layer trains one.
            throw ComponentError(
                "\(call.name)(β) is for plots only (`plot activation swish(0.6)`): Keras' silu has no β, "
                    + "so a layer takes plain \(call.name)", at: call.span)
        }
        let args = try call.arguments(["alpha", "negative_slope"])
        if args["alpha"] != nil && args["negative_slope"] != nil {
            throw ComponentError("\(call.name)(): give alpha or negative_slope, not both", at: call.span)
        }
        let slopeKey = args["negative_slope"] != nil ? "negative_slope" : "alpha"
        let alpha = args[slopeKey] == nil ? nil : try call.number(slopeKey, in: args, default: 0, range: 0...100)
        guard let a = Activation(name: call.name, alpha: alpha) else {
            if ["prelu", "rrelu"].contains(call.name) {
                throw ComponentError("\(call.name) has learned or random slopes, so it is a layer: `add \(call.name)` after a linear dense", at: call.span)
            }
            throw ComponentError("'\(call.name)' is not an activation" + nameHint(call.name, Activation.names), at: call.span)
        }
        if alpha != nil, !["leaky_relu", "elu", "celu"].contains(a.baseName) {
            throw ComponentError("\(call.name) takes no arguments", at: call.span)
        }
        self = a
    }
}
