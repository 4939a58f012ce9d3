import Foundation

/// A learning rate as a function of the optimizer step, with Keras' formulas.
public enum LearningRateSchedule: Equatable, Sendable, Codable {
    /// The book's power scheduling, Keras' `InverseTimeDecay`:
    /// `lr₀ / (1 + decay_rate · step / decay_steps)`.
    /// With `staircase`, step / decay_steps is floored (nil: not, as saved before it existed).
    case power(initial: Float, decaySteps: Float, decayRate: Float, staircase: Bool? = nil)
    /// Keras' `ExponentialDecay`: `lr₀ · rate^(step / decay_steps)`
    /// (the exponent floored when `staircase`).
    case exponential(initial: Float, decaySteps: Float, decayRate: Float, staircase: Bool)
    /// Keras' `PiecewiseConstantDecay`: `values[i]` while step ≤ `boundaries[i]`.
    case piecewise(boundaries: [Int], values: [Float])
    /// 1cycle (Smith 2018) as the book's `OneCycleScheduler(iterations, max_lr,
    /// start_lr, last_iterations, last_lr)`: a linear rise from `start`
    /// (max/10) to max over half of the steps before the last `lastSteps`
    /// (total//10 + 1), the same fall back to `start`, then a linear fall to
    /// `last` (start/1000) at `total_steps`, where it stays.
    case oneCycle(maxRate: Float, totalSteps: Int, startRate: Float? = nil, lastRate: Float? = nil, lastSteps: Int? = nil)
    /// Keras' `CosineDecay`: an optional linear warm-up from `initial` to
    /// `warmupTarget` over `warmupSteps`, then `lr·((1 − α)·½(1 + cos(π·t/decay_steps)) + α)`
    /// from the warm-up's target (or `initial`), held at its end.
    case cosine(initial: Float, decaySteps: Float, alpha: Float, warmupTarget: Float?, warmupSteps: Float)
    /// Keras' `CosineDecayRestarts` (SGDR): cosine decays of `first_decay_steps`,
    /// each period `t_mul` times longer and its peak `m_mul` times lower.
    case cosineRestarts(initial: Float, firstDecaySteps: Float, tMul: Float, mMul: Float, alpha: Float)
    /// Keras' `PolynomialDecay`: `(lr₀ − end)·(1 − t/decay_steps)^power + end`,
    /// t held at decay_steps, or with `cycle` decay_steps stretched to the next multiple.
    case polynomial(initial: Float, decaySteps: Float, end: Float, power: Float, cycle: Bool)

    public func rate(at step: Int) -> Float {
        let s = Float(step)
        switch self {
        case .power(let lr, let ds, let dr, let stair):
            if stair == true { return lr / (1 + dr * (s / ds).rounded(.down)) }
            return lr / (1 + dr * s / ds)
        case .exponential(let lr, let ds, let dr, let stair):
            let p = stair ? (s / ds).rounded(.down) : s / ds
            return lr * powf(dr, p)
        case .piecewise(let b, let v):
            for (i, boundary) in b.enumerated() where step <= boundary { return v[i] }
            return v[b.count]
        case .oneCycle(let mx, let total, let startRate, let lastRate, let lastSteps):
            // The book's arithmetic, in Python's doubles.
            let top = Double(mx), start = Double(startRate ?? mx / 10), i = Double(step)
            let lastIterations = lastSteps ?? total / 10 + 1
            let half = Double((total - lastIterations) / 2), iterations = Double(total)
            let last = Double(lastRate ?? Float(start / 1000))
            func interpolate(_ i1: Double, _ i2: Double, _ r1: Double, _ r2: Double) -> Float {
                Float((r2 - r1) * (i - i1) / (i2 - i1) + r1)
            }
            if i < half { return interpolate(0, half, start, top) }
            if i < 2 * half { return interpolate(half, 2 * half, top, start) }
            if step >= total { return Float(last) }
            return interpolate(2 * half, iterations, start, last)
        case .cosine(let lr, let ds, let alpha, let target, let ws):
            // Keras' float32 arithmetic, in its order.
            func decay(_ t: Float, from rate: Float) -> Float {
                let cosineDecayed = 0.5 * (1 + cosf(Float.pi * (t / ds)))
                return rate * ((1 - alpha) * cosineDecayed + alpha)
            }
            guard let target else { return decay(min(s, ds), from: lr) }
            let t = min(s, ds + ws)
            if t < ws { return (target - lr) * (t / ws) + lr }
            return decay(t - ws, from: target)
        case .cosineRestarts(let lr, let first, let tMul, let mMul, let alpha):
            var fraction = s / first
            let restart: Float
            if tMul == 1 {
                restart = fraction.rounded(.down)
                fraction -= restart
            } else {
                restart = (logf(1 - fraction * (1 - tMul)) / logf(tMul)).rounded(.down)
                let before = (1 - powf(tMul, restart)) / (1 - tMul)
                fraction = (fraction - before) / powf(tMul, restart)
            }
            let cosineDecayed = 0.5 * powf(mMul, restart) * (1 + cosf(Float.pi * fraction))
            return lr * ((1 - alpha) * cosineDecayed + alpha)
        case .polynomial(let lr, let ds, let end, let power, let cycle):
            var t = s, steps = ds
            if cycle { steps *= step == 0 ? 1 : (s / ds).rounded(.up) } else { t = min(s, ds) }
            return (lr - end) * powf(1 - t / steps, power) + end
        }
    }

    public var description: String {
        switch self {
        case .power(let lr, let ds, let dr, let st):
            return "power(initial=\(formatFloat(lr)), decay_steps=\(formatFloat(ds)), decay_rate=\(formatFloat(dr))\(st == true ? ", staircase=true" : ""))"
        case .exponential(let lr, let ds, let dr, let st):
            return "exponential(initial=\(formatFloat(lr)), decay_steps=\(formatFloat(ds)), decay_rate=\(formatFloat(dr))\(st ? ", staircase=true" : ""))"
        case .piecewise(let b, let v):
            return "piecewise(boundaries=[\(b.map(String.init).joined(separator: ","))], values=[\(v.map(formatFloat).joined(separator: ","))])"
        case .oneCycle(let m, let t, let start, let last, let lastSteps):
            return "one_cycle(max_rate=\(formatFloat(m)), total_steps=\(t)"
                + (start.map { ", start_rate=\(formatFloat($0))" } ?? "") + (last.map { ", last_rate=\(formatFloat($0))" } ?? "")
                + (lastSteps.map { ", last_steps=\($0)" } ?? "") + ")"
        case .cosine(let lr, let ds, let a, let target, let ws):
            return "cosine_decay(initial_learning_rate=\(formatFloat(lr)), decay_steps=\(formatFloat(ds))"
                + (a == 0 ? "" : ", alpha=\(formatFloat(a))")
                + (target.map { ", warmup_target=\(formatFloat($0)), warmup_steps=\(formatFloat(ws))" } ?? "") + ")"
        case .cosineRestarts(let lr, let f, let t, let m, let a):
            return "cosine_decay_restarts(initial_learning_rate=\(formatFloat(lr)), first_decay_steps=\(formatFloat(f)), t_mul=\(formatFloat(t)), m_mul=\(formatFloat(m)), alpha=\(formatFloat(a)))"
        case .polynomial(let lr, let ds, let e, let p, let c):
            return "polynomial_decay(initial_learning_rate=\(formatFloat(lr)), decay_steps=\(formatFloat(ds)), end_learning_rate=\(formatFloat(e)), power=\(formatFloat(p))\(c ? ", cycle=true" : ""))"
        }
    }

    /// Every schedule's name as `compile … learning_rate=NAME(…)` and
    /// `schedule NAME(…)` take it: gradlab's short names and Keras' own.
    public static let names = ["power", "inverse_time_decay", "exponential", "exponential_decay", "piecewise",
                               "piecewise_constant_decay", "cosine_decay", "cosine_decay_restarts", "polynomial_decay", "one_cycle"]

    /// A schedule as written, `exponential_decay(0.01, decay_steps=1000, decay_rate=0.1)`,
    /// with Keras' argument names (gradlab's `initial=` is also accepted) and
    /// defaults, and Keras' positional order.
    public init(_ written: ComponentCall) throws {
        var call = written
        // gradlab's earlier key for the first rate.
        for i in call.keywords.indices where call.keywords[i].key == "initial" { call.keywords[i].key = "initial_learning_rate" }
        let c = call
        func number(_ a: [String: (value: ComponentCall.Argument, span: Range<Int>?)], _ key: String, _ d: Float?,
                    _ range: ClosedRange<Double> = 0...1e12) throws -> Float {
            guard a[key] != nil || d == nil else { return d! }
            guard a[key] != nil else { throw ComponentError("\(c.name)() needs \(key)=", at: c.span) }
            return try c.number(key, in: a, default: 0, range: range)
        }
        func steps(_ a: [String: (value: ComponentCall.Argument, span: Range<Int>?)], _ key: String, _ d: Float?) throws -> Float {
            let v = try number(a, key, d)
            guard v > 0 else { throw ComponentError("\(c.name)(): \(key) must be more than 0 (the rate would be divided by it)", at: a[key]?.span ?? c.span) }
            return v
        }
        func flag(_ a: [String: (value: ComponentCall.Argument, span: Range<Int>?)], _ key: String) throws -> Bool {
            try c.word(key, in: a, default: "false", from: ["true", "false"]) == "true"
        }
        switch c.name {
        case "power", "inverse_time_decay":
            let a = try c.arguments(["initial_learning_rate", "decay_steps", "decay_rate", "staircase"])
            self = .power(initial: try number(a, "initial_learning_rate", 0.01), decaySteps: try steps(a, "decay_steps", 10_000),
                          decayRate: try number(a, "decay_rate", 1), staircase: try flag(a, "staircase") ? true : nil)
        case "exponential", "exponential_decay":
            let a = try c.arguments(["initial_learning_rate", "decay_steps", "decay_rate", "staircase"])
            self = .exponential(initial: try number(a, "initial_learning_rate", 0.01), decaySteps: try steps(a, "decay_steps", 10_000),
                                decayRate: try number(a, "decay_rate", 0.1), staircase: try flag(a, "staircase"))
        case "piecewise", "piecewise_constant_decay":
            let a = try c.arguments(["boundaries", "values"])
            guard let b = a["boundaries"], let v = a["values"] else {
                throw ComponentError("\(c.name)() needs boundaries=[5, 15] and values=[0.01, 0.005, 0.001]", at: c.span)
            }
            func list(_ x: ComponentCall.Argument) -> [ComponentCall.Argument] { if case .list(let l) = x { return l }; return [x] }
            let bs = try list(b.value).map { x -> Int in
                guard case .number(let d, let t) = x, d == d.rounded(), d >= 0, d <= Double(Int32.max) else {
                    throw ComponentError("\(c.name)(): boundaries are step numbers, not '\(x.text)'", at: b.span ?? c.span)
                }
                _ = t
                return Int(d)
            }
            let vs = try list(v.value).map { x -> Float in
                guard case .number(let d, _) = x, d.isFinite, d >= 0, d <= 1e6 else {
                    throw ComponentError("\(c.name)(): values are learning rates, not '\(x.text)'", at: v.span ?? c.span)
                }
                return Float(d)
            }
            guard vs.count == bs.count + 1 else {
                throw ComponentError("\(c.name)() needs one more value than boundaries (\(bs.count) boundar\(bs.count == 1 ? "y" : "ies"), \(vs.count) value\(vs.count == 1 ? "" : "s"))", at: v.span ?? c.span)
            }
            guard bs == bs.sorted() else { throw ComponentError("\(c.name)() boundaries must increase", at: b.span ?? c.span) }
            self = .piecewise(boundaries: bs, values: vs)
        case "one_cycle", "1cycle":
            let a = try c.arguments(["max_rate", "total_steps", "start_rate", "last_rate", "last_steps"])
            let total = try number(a, "total_steps", 1000, 1...100_000_000)
            let lastSteps = a["last_steps"] == nil ? nil : try number(a, "last_steps", nil, 1...100_000_000)
            for (k, v) in [("total_steps", total), ("last_steps", lastSteps ?? 1)] where v != v.rounded() {
                throw ComponentError("\(c.name)(): \(k) is a whole number of steps", at: a[k]?.span ?? c.span)
            }
            if let l = lastSteps, Int(l) >= Int(total) - 1 {
                throw ComponentError("\(c.name)(): last_steps=\(Int(l)) leaves no steps for the cycle (total_steps=\(Int(total)))", at: a["last_steps"]?.span ?? c.span)
            }
            guard total >= 3 else { throw ComponentError("\(c.name)(): total_steps must be at least 3 (a rise, a fall and a last step)", at: a["total_steps"]?.span ?? c.span) }
            self = .oneCycle(maxRate: try number(a, "max_rate", 0.05), totalSteps: Int(total),
                             startRate: a["start_rate"] == nil ? nil : try number(a, "start_rate", nil),
                             lastRate: a["last_rate"] == nil ? nil : try number(a, "last_rate", nil), lastSteps: lastSteps.map { Int($0) })
        case "cosine_decay":
            let a = try c.arguments(["initial_learning_rate", "decay_steps", "alpha", "warmup_target", "warmup_steps"])
            let target = a["warmup_target"] == nil ? nil : try number(a, "warmup_target", nil)
            self = .cosine(initial: try number(a, "initial_learning_rate", nil), decaySteps: try steps(a, "decay_steps", nil),
                           alpha: try number(a, "alpha", 0, 0...1), warmupTarget: target,
                           warmupSteps: try number(a, "warmup_steps", 0))
        case "cosine_decay_restarts":
            let a = try c.arguments(["initial_learning_rate", "first_decay_steps", "t_mul", "m_mul", "alpha"])
            self = .cosineRestarts(initial: try number(a, "initial_learning_rate", nil), firstDecaySteps: try steps(a, "first_decay_steps", nil),
                                   tMul: try number(a, "t_mul", 2, 1e-6...1e6), mMul: try number(a, "m_mul", 1, 0...1e6), alpha: try number(a, "alpha", 0, 0...1))
        case "polynomial_decay":
            let a = try c.arguments(["initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle"])
            self = .polynomial(initial: try number(a, "initial_learning_rate", nil), decaySteps: try steps(a, "decay_steps", nil),
                               end: try number(a, "end_learning_rate", 0.0001), power: try number(a, "power", 1, 0...1e6), cycle: try flag(a, "cycle"))
        default:
            throw ComponentError("'\(c.name)' is not a schedule" + nameHint(c.name, LearningRateSchedule.names), at: c.span)
        }
    }
}
