import Foundation
import GradTensor

/// A weight initializer with Keras' names, defaults and formulas.
///
/// Keras' `VarianceScaling(scale, mode, distribution)`: with n = fan_in,
/// fan_out or (fan_in + fan_out) / 2 by `mode`, and s = scale / max(1, n):
/// `truncated_normal` draws N(0, sqrt(s) / 0.87962566103423978) cut at two
/// standard deviations; `untruncated_normal` draws N(0, sqrt(s));
/// `uniform` draws U(-sqrt(3 s), sqrt(3 s)). glorot = (1, fan_avg), he = (2,
/// fan_in), lecun = (1, fan_in); `_normal` is truncated, `_uniform` uniform.
public enum Initializer: Equatable, Sendable {
    case zeros
    case ones
    case constant(Float)
    case randomNormal(mean: Float, stddev: Float)
    case randomUniform(minval: Float, maxval: Float)
    case truncatedNormal(mean: Float, stddev: Float)
    case varianceScaling(scale: Float, mode: FanMode, distribution: Distribution, name: String?)
    /// Keras' `Orthogonal(gain)` (Saxe et al. 2014): the Q of a QR
    /// decomposition of a normal matrix, signs fixed so R's diagonal is
    /// positive, transposed for a wide kernel, times gain.
    case orthogonal(gain: Float)
    /// Keras' `Identity(gain)`: gain · eye(rows, cols), for 2-D kernels only.
    case identity(gain: Float)

    public enum FanMode: String, Sendable, CaseIterable { case fanIn = "fan_in", fanOut = "fan_out", fanAvg = "fan_avg" }
    public enum Distribution: String, Sendable, CaseIterable {
        case truncatedNormal = "truncated_normal", untruncatedNormal = "untruncated_normal", uniform = "uniform"
    }

    /// Names accepted by `kernel_initializer=` and `bias_initializer=`.
    public static let names = ["zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
                               "glorot_uniform", "glorot_normal", "xavier_uniform", "xavier_normal",
                               "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "variance_scaling", "orthogonal", "identity"]

    /// A named initializer with Keras' defaults; nil for an unknown name.
    public static func named(_ name: String) -> Initializer? {
        switch name {
        case "zeros": return .zeros
        case "ones": return .ones
        case "constant": return .constant(0)
        case "random_normal": return .randomNormal(mean: 0, stddev: 0.05)
        case "random_uniform": return .randomUniform(minval: -0.05, maxval: 0.05)
        case "truncated_normal": return .truncatedNormal(mean: 0, stddev: 0.05)
        case "glorot_uniform", "xavier_uniform": return .varianceScaling(scale: 1, mode: .fanAvg, distribution: .uniform, name: "glorot_uniform")
        case "glorot_normal", "xavier_normal": return .varianceScaling(scale: 1, mode: .fanAvg, distribution: .truncatedNormal, name: "glorot_normal")
        case "he_normal": return .varianceScaling(scale: 2, mode: .fanIn, distribution: .truncatedNormal, name: "he_normal")
        case "he_uniform": return .varianceScaling(scale: 2, mode: .fanIn, distribution: .uniform, name: "he_uniform")
        case "lecun_normal": return .varianceScaling(scale: 1, mode: .fanIn, distribution: .truncatedNormal, name: "lecun_normal")
        case "lecun_uniform": return .varianceScaling(scale: 1, mode: .fanIn, distribution: .uniform, name: "lecun_uniform")
        case "variance_scaling": return .varianceScaling(scale: 1, mode: .fanIn, distribution: .truncatedNormal, name: nil)
        case "orthogonal": return .orthogonal(gain: 1)
        case "identity": return .identity(gain: 1)
        default: return nil
        }
    }

    /// The Keras name, with arguments when they differ from a named preset.
    public var name: String {
        switch self {
        case .zeros: return "zeros"
        case .ones: return "ones"
        case .constant(let v): return "constant(\(formatFloat(v)))"
        case .randomNormal(let m, let s): return m == 0 && s == 0.05 ? "random_normal" : "random_normal(mean=\(formatFloat(m)), stddev=\(formatFloat(s)))"
        case .randomUniform(let a, let b): return a == -0.05 && b == 0.05 ? "random_uniform" : "random_uniform(minval=\(formatFloat(a)), maxval=\(formatFloat(b)))"
        case .truncatedNormal(let m, let s): return m == 0 && s == 0.05 ? "truncated_normal" : "truncated_normal(mean=\(formatFloat(m)), stddev=\(formatFloat(s)))"
        case .varianceScaling(let scale, let mode, let dist, let n):
            if let n { return n }
            return "variance_scaling(scale=\(formatFloat(scale)), mode=\(mode.rawValue), distribution=\(dist.rawValue))"
        case .orthogonal(let g): return g == 1 ? "orthogonal" : "orthogonal(gain=\(formatFloat(g)))"
        case .identity(let g): return g == 1 ? "identity" : "identity(gain=\(formatFloat(g)))"
        }
    }

    /// Fan-in and fan-out of a kernel shape, as Keras computes them.
    public static func fans(_ shape: [Int]) -> (fanIn: Double, fanOut: Double) {
        switch shape.count {
        case 0: return (1, 1)
        case 1: return (Double(shape[0]), Double(shape[0]))
        case 2: return (Double(shape[0]), Double(shape[1]))
        default:
            let receptive = Double(shape.dropLast(2).reduce(1, *))
            return (Double(shape[shape.count - 2]) * receptive, Double(shape[shape.count - 1]) * receptive)
        }
    }

    /// The standard deviation this initializer aims for on a given shape.
    public func expectedStd(shape: [Int]) -> Double {
        switch self {
        case .zeros, .ones, .constant: return 0
        case .randomNormal(_, let s): return Double(s)
        case .randomUniform(let a, let b): return Double(b - a) / 12.0.squareRoot()
        case .truncatedNormal(_, let s): return Double(s) * 0.87962566103423978
        case .varianceScaling(let scale, let mode, _, _):
            return (Double(scale) / Initializer.fanValue(mode, shape)).squareRoot()
        case .orthogonal(let g):
            // A semi-orthogonal [r, c] matrix has min(r, c) unit singular values: mean square min/(r·c).
            let r = Double(shape.dropLast().reduce(1, *)), c = Double(shape.last ?? 1)
            return Double(g) * (min(r, c) / (r * c)).squareRoot()
        case .identity(let g):
            let r = Double(shape.dropLast().reduce(1, *)), c = Double(shape.last ?? 1)
            return Double(g) * (min(r, c) / (r * c)).squareRoot()
        }
    }

    static func fanValue(_ mode: FanMode, _ shape: [Int]) -> Double {
        let (fi, fo) = fans(shape)
        switch mode {
        case .fanIn: return max(1, fi)
        case .fanOut: return max(1, fo)
        case .fanAvg: return max(1, (fi + fo) / 2)
        }
    }

    /// Whether it needs a 2-D kernel (Keras refuses a bias for these).
    public var needsMatrix: Bool {
        switch self {
        case .orthogonal, .identity: return true
        default: return false
        }
    }

    /// Fills `tensor` (whose shape gives the fans) from `rng`.
    public func fill(_ tensor: Tensor, rng: inout RandomGenerator) {
        let p = tensor.data, n = tensor.count
        switch self {
        case .zeros: tensor.fill(0)
        case .ones: tensor.fill(1)
        case .constant(let v): tensor.fill(v)
        case .randomNormal(let m, let s): for i in 0..<n { p[i] = m + s * rng.normal() }
        case .randomUniform(let a, let b): for i in 0..<n { p[i] = a + (b - a) * rng.uniform() }
        case .truncatedNormal(let m, let s): for i in 0..<n { p[i] = m + s * rng.truncatedNormal() }
        case .varianceScaling(let scale, let mode, let dist, _):
            let s = Double(scale) / Initializer.fanValue(mode, tensor.shape)
            switch dist {
            case .truncatedNormal:
                let std = Float(s.squareRoot() / 0.87962566103423978)
                for i in 0..<n { p[i] = std * rng.truncatedNormal() }
            case .untruncatedNormal:
                let std = Float(s.squareRoot())
                for i in 0..<n { p[i] = std * rng.normal() }
            case .uniform:
                let limit = Float((3 * s).squareRoot())
                for i in 0..<n { p[i] = limit * (2 * rng.uniform() - 1) }
            }
        case .orthogonal(let g):
            let cols = tensor.shape.last ?? 1, rows = n / max(1, cols)
            let tall = max(rows, cols), wide = min(rows, cols)
            // a: tall × wide normal draws, row-major; Q by modified Gram-Schmidt
            // on its columns (R's diagonal comes out positive, as Keras' sign fix makes it).
            var a = (0..<(tall * wide)).map { _ in Double(rng.normal()) }
            for j in 0..<wide {
                for k in 0..<j {
                    var dot = 0.0
                    for i in 0..<tall { dot += a[i * wide + k] * a[i * wide + j] }
                    for i in 0..<tall { a[i * wide + j] -= dot * a[i * wide + k] }
                }
                var norm = 0.0
                for i in 0..<tall { norm += a[i * wide + j] * a[i * wide + j] }
                norm = max(norm.squareRoot(), 1e-30)
                for i in 0..<tall { a[i * wide + j] /= norm }
            }
            for r in 0..<rows {
                for c in 0..<cols { p[r * cols + c] = g * Float(rows >= cols ? a[r * wide + c] : a[c * wide + r]) }
            }
        case .identity(let g):
            let cols = tensor.shape.last ?? 1
            tensor.fill(0)
            for i in 0..<min(n / max(1, cols), cols) { p[i * cols + i] = g }
        }
    }
}

extension Initializer {
    /// The initializer a call names, with Keras' keys and defaults:
    /// `he_normal`, `constant(0.1)`, `random_normal(stddev=0.1)`,
    /// `variance_scaling(scale=2, mode=fan_in, distribution=uniform)`.
    public init(_ call: ComponentCall) throws {
        let n = call.name
        switch n {
        case "constant":
            let a = try call.arguments(["value"])
            self = .constant(try call.number("value", in: a, default: 0))
        case "random_normal", "truncated_normal":
            let a = try call.arguments(["mean", "stddev"])
            let m = try call.number("mean", in: a, default: 0), s = try call.number("stddev", in: a, default: 0.05, range: 0...1e6)
            self = n == "random_normal" ? .randomNormal(mean: m, stddev: s) : .truncatedNormal(mean: m, stddev: s)
        case "random_uniform":
            let a = try call.arguments(["minval", "maxval"])
            let lo = try call.number("minval", in: a, default: -0.05), hi = try call.number("maxval", in: a, default: 0.05)
            guard hi >= lo else { throw ComponentError("random_uniform needs minval ≤ maxval", at: call.span) }
            self = .randomUniform(minval: lo, maxval: hi)
        case "variance_scaling":
            let a = try call.arguments(["scale", "mode", "distribution"])
            let scale = try call.number("scale", in: a, default: 1, range: 1e-12...1e6)
            let mode = try call.word("mode", in: a, default: "fan_in", from: FanMode.allCases.map(\.rawValue))
            let dist = try call.word("distribution", in: a, default: "truncated_normal", from: Distribution.allCases.map(\.rawValue) + ["normal"])
            self = .varianceScaling(scale: scale, mode: FanMode(rawValue: mode)!,
                                    distribution: Distribution(rawValue: dist == "normal" ? "truncated_normal" : dist)!, name: nil)
        case "orthogonal", "identity":
            let a = try call.arguments(["gain"])
            let gain = try call.number("gain", in: a, default: 1, range: -1e6...1e6)
            self = n == "orthogonal" ? .orthogonal(gain: gain) : .identity(gain: gain)
        default:
            guard let i = Initializer.named(n) else {
                throw ComponentError("'\(n)' is not an initializer" + nameHint(n, Initializer.names), at: call.span)
            }
            // A preset (he_normal…) takes a scale at most: Keras' VarianceScaling presets take a seed only.
            let a = try call.arguments(i.isVarianceScaling ? ["scale"] : [])
            if case .varianceScaling(_, let mode, let dist, _) = i, a["scale"] != nil {
                self = .varianceScaling(scale: try call.number("scale", in: a, default: 1, range: 1e-12...1e6), mode: mode, distribution: dist, name: nil)
            } else {
                self = i
            }
        }
    }

    var isVarianceScaling: Bool {
        if case .varianceScaling = self { return true }
        return false
    }
}
