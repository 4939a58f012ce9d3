import Foundation

/// A learning rate as a function of the optimizer step, with Keras' formulas.
public enum LearningRateSchedule: Equatable, Sendable, Codable {
    /// The book's power scheduling, Keras' `InverseTimeDecay`:
    /// `lr₀ / (1 + decay_rate · step / decay_steps)`.
    case power(initial: Float, decaySteps: Float, decayRate: Float)
    /// Keras' `ExponentialDecay`: `lr₀ · rate^(step / decay_steps)`
    /// (the exponent floored when `staircase`).
    case exponential(initial: Float, decaySteps: Float, decayRate: Float, staircase: Bool)
    /// Keras' `PiecewiseConstantDecay`: `values[i]` while step ≤ `boundaries[i]`.
    case piecewise(boundaries: [Int], values: [Float])
    /// 1cycle (Smith 2018): linear rise from max/div to max over the first
    /// half of `total_steps`, linear fall back, then down to max/(div·100).
    case oneCycle(maxRate: Float, totalSteps: Int)

    public func rate(at step: Int) -> Float {
        let s = Float(step)
        switch self {
        case .power(let lr, let ds, let dr):
            return lr / (1 + dr * s / ds)
        case .exponential(let lr, let ds, let dr, let stair):
            let p = stair ? (s / ds).rounded(.down) : s / ds
            return lr * powf(dr, p)
        case .piecewise(let b, let v):
            for (i, boundary) in b.enumerated() where step <= boundary { return v[i] }
            return v[b.count]
        case .oneCycle(let mx, let total):
            let start = mx / 10, end = mx / 1000
            let half = max(1, Int(Float(total) * 0.45))
            if step <= half { return start + (mx - start) * s / Float(half) }
            if step <= 2 * half { return mx - (mx - start) * Float(step - half) / Float(half) }
            let rest = max(1, total - 2 * half)
            return max(end, start - (start - end) * Float(step - 2 * half) / Float(rest))
        }
    }

    public var description: String {
        switch self {
        case .power(let lr, let ds, let dr):
            return "power(initial=\(formatFloat(lr)), decay_steps=\(formatFloat(ds)), decay_rate=\(formatFloat(dr)))"
        case .exponential(let lr, let ds, let dr, let st):
            return "exponential(initial=\(formatFloat(lr)), decay_steps=\(formatFloat(ds)), decay_rate=\(formatFloat(dr))\(st ? ", staircase=true" : ""))"
        case .piecewise(let b, let v):
            return "piecewise(boundaries=[\(b.map(String.init).joined(separator: ","))], values=[\(v.map(formatFloat).joined(separator: ","))])"
        case .oneCycle(let m, let t): return "one_cycle(max_rate=\(formatFloat(m)), total_steps=\(t))"
        }
    }
}
