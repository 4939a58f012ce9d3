import GradTensor

/// Keras' gradient clipping arguments of an optimizer: `clipvalue` clips each
/// element to [−v, v]; `clipnorm` rescales each gradient tensor whose L2 norm
/// exceeds the limit (per tensor); `global_clipnorm` rescales all gradients
/// together when their joint norm exceeds it. As in Keras, only one applies.
public struct Clipping: Equatable, Sendable {
    public var clipValue: Float?
    public var clipNorm: Float?
    public var globalClipNorm: Float?
    public init(clipValue: Float? = nil, clipNorm: Float? = nil, globalClipNorm: Float? = nil) {
        self.clipValue = clipValue
        self.clipNorm = clipNorm
        self.globalClipNorm = globalClipNorm
    }
    public var isActive: Bool { clipValue != nil || clipNorm != nil || globalClipNorm != nil }

    /// Clips the gradients in place; returns whether any changed.
    @discardableResult
    public func apply(_ gradients: [Tensor]) -> Bool {
        if let limit = clipNorm {
            var changed = false
            for g in gradients {
                let norm = l2(g)
                if norm > limit { scale(g, by: limit / norm); changed = true }
            }
            return changed
        }
        if let limit = globalClipNorm {
            let norm = gradients.reduce(Float(0)) { let n = l2($1); return ($0 * $0 + n * n).squareRoot() }
            if norm > limit { for g in gradients { scale(g, by: limit / norm) }; return true }
            return false
        }
        if let v = clipValue {
            var changed = false
            for g in gradients {
                let p = g.data
                for i in 0..<g.count {
                    let x = p[i]
                    if x > v { p[i] = v; changed = true } else if x < -v { p[i] = -v; changed = true }
                }
            }
            return changed
        }
        return false
    }

    func l2(_ g: Tensor) -> Float {
        var s: Float = 0
        let p = g.data
        for i in 0..<g.count { s += p[i] * p[i] }
        return s.squareRoot()
    }

    func scale(_ g: Tensor, by f: Float) {
        let p = g.data
        for i in 0..<g.count { p[i] *= f }
    }

    public var description: String {
        if let v = clipNorm { return "clipnorm=\(formatFloat(v))" }
        if let v = globalClipNorm { return "global_clipnorm=\(formatFloat(v))" }
        if let v = clipValue { return "clipvalue=\(formatFloat(v))" }
        return "none"
    }
}
