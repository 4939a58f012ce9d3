import GradTensor

/// A weight penalty added to the loss, as Keras' `l1`, `l2` and `l1_l2`:
/// `l1 * sum(|w|) + l2 * sum(w²)`.
public struct Regularizer: Equatable, Sendable {
    public var l1: Float
    public var l2: Float
    public init(l1: Float = 0, l2: Float = 0) { self.l1 = l1; self.l2 = l2 }

    public var name: String {
        if l1 != 0 && l2 != 0 { return "l1_l2(l1=\(formatFloat(l1)), l2=\(formatFloat(l2)))" }
        if l1 != 0 { return "l1(\(formatFloat(l1)))" }
        return "l2(\(formatFloat(l2)))"
    }

    /// The penalty for `w`, summed in Double: a float32 running sum over a
    /// 235,200-weight kernel drifts in the 4th decimal of the loss, where
    /// Keras' tree reduction does not (2.0752 against Keras' 2.0753).
    public func penalty(_ w: Tensor) -> Float {
        var a: Double = 0, b: Double = 0
        let p = w.data
        for i in 0..<w.count { let x = Double(p[i]); a += abs(x); b += x * x }
        return Float(Double(l1) * a + Double(l2) * b)
    }

    /// Adds the penalty's gradient times `scale` to `g` ((sign(w)·l1 + 2·l2·w)·scale).
    public func addGradient(_ w: Tensor, to g: Tensor, scale: Float = 1) {
        let wp = w.data, gp = g.data
        let (a, b) = (l1 * scale, 2 * l2 * scale)
        for i in 0..<w.count {
            let x = wp[i]
            gp[i] += a * (x > 0 ? 1 : (x < 0 ? -1 : 0)) + b * x
        }
    }
}

/// A projection applied to a weight after each optimizer step. `axis` is
/// the kernel axis the norm runs over: 0 (Keras' default) takes each column of
/// a [in, out] kernel, the weights into one unit; 1 each row.
public enum Constraint: Equatable, Sendable {
    /// Keras' `max_norm(max_value=2, axis=0)`: each slice is rescaled to norm
    /// ≤ max_value: `w * clip(norm, 0, max) / (epsilon + norm)`, epsilon 1e-7.
    case maxNorm(Float, axis: Int = 0)
    /// Keras' `unit_norm(axis=0)`: `w / (epsilon + norm)`.
    case unitNorm(axis: Int = 0)
    /// Keras' `non_neg`.
    case nonNeg

    public var name: String {
        switch self {
        case .maxNorm(let m, let axis): return axis == 0 ? "max_norm(\(formatFloat(m)))" : "max_norm(\(formatFloat(m)), axis=\(axis))"
        case .unitNorm(let axis): return axis == 0 ? "unit_norm" : "unit_norm(axis=\(axis))"
        case .nonNeg: return "non_neg"
        }
    }

    public func apply(_ w: Tensor) {
        switch self {
        case .nonNeg:
            for i in 0..<w.count where w[i] < 0 { w[i] = 0 }
        case .maxNorm(let m, let axis):
            Constraint.rescale(w, axis: axis) { norm in min(max(norm, 0), m) / (1e-7 + norm) }
        case .unitNorm(let axis):
            Constraint.rescale(w, axis: axis) { norm in 1 / (1e-7 + norm) }
        }
    }

    /// Multiplies each slice (a column for axis 0, a row for axis 1) by `factor(its L2 norm)`.
    static func rescale(_ w: Tensor, axis: Int, _ factor: (Float) -> Float) {
        let rows = w.shape.count >= 2 ? w.shape[0] : w.count
        let cols = w.shape.count >= 2 ? w.count / rows : 1
        let p = w.data
        if axis == 0 {
            for c in 0..<cols {
                var ss: Float = 0
                for r in 0..<rows { let x = p[r * cols + c]; ss += x * x }
                let f = factor(ss.squareRoot())
                for r in 0..<rows { p[r * cols + c] *= f }
            }
        } else {
            for r in 0..<rows {
                var ss: Float = 0
                for c in 0..<cols { let x = p[r * cols + c]; ss += x * x }
                let f = factor(ss.squareRoot())
                for c in 0..<cols { p[r * cols + c] *= f }
            }
        }
    }
}

extension Regularizer {
    public static let names = ["l1", "l2", "l1_l2"]

    /// `l1(0.01)`, `l2(0.01)`, `l1_l2(l1=0.01, l2=0.01)`, with Keras' defaults (0.01).
    public init(_ call: ComponentCall) throws {
        switch call.name {
        case "l1":
            let a = try call.arguments(["l1"])
            self.init(l1: try call.number("l1", in: a, default: 0.01, range: 0...1e6))
        case "l2":
            let a = try call.arguments(["l2"])
            self.init(l2: try call.number("l2", in: a, default: 0.01, range: 0...1e6))
        case "l1_l2":
            let a = try call.arguments(["l1", "l2"])
            self.init(l1: try call.number("l1", in: a, default: 0.01, range: 0...1e6), l2: try call.number("l2", in: a, default: 0.01, range: 0...1e6))
        default:
            throw ComponentError("'\(call.name)' is not a regularizer" + nameHint(call.name, Regularizer.names), at: call.span)
        }
    }
}

extension Constraint {
    public static let names = ["max_norm", "unit_norm", "non_neg"]

    /// `max_norm(2.0, axis=0)` (Keras' defaults), `unit_norm(axis=0)` or `non_neg`;
    /// axis -1 is the last axis, 1 for a kernel.
    public init(_ call: ComponentCall) throws {
        func axis(_ a: [String: (value: ComponentCall.Argument, span: Range<Int>?)]) throws -> Int {
            let x = try call.number("axis", in: a, default: 0, range: -1...1)
            guard x == x.rounded() else { throw ComponentError("\(call.name)(): axis is 0, 1 or -1", at: call.span) }
            return x == -1 ? 1 : Int(x)
        }
        switch call.name {
        case "max_norm":
            let a = try call.arguments(["max_value", "axis"])
            self = .maxNorm(try call.number("max_value", in: a, default: 2, range: 1e-12...1e12), axis: try axis(a))
        case "unit_norm":
            self = .unitNorm(axis: try axis(try call.arguments(["axis"])))
        case "non_neg":
            _ = try call.arguments([])
            self = .nonNeg
        default:
            throw ComponentError("'\(call.name)' is not a constraint" + nameHint(call.name, Constraint.names), at: call.span)
        }
    }
}
