import Foundation
import GradTensor

/// An optimizer's update rule, with Keras 3's names, defaults and formulas.
/// Each case's formula is quoted in `Optimizer.update`.
public enum OptimizerKind: Equatable, Sendable {
    case sgd(momentum: Float, nesterov: Bool)
    case adagrad(initialAccumulator: Float, epsilon: Float)
    case rmsprop(rho: Float, momentum: Float, epsilon: Float)
    case adam(beta1: Float, beta2: Float, epsilon: Float)
    case adamax(beta1: Float, beta2: Float, epsilon: Float)
    case nadam(beta1: Float, beta2: Float, epsilon: Float)

    public var name: String {
        switch self {
        case .sgd: return "sgd"
        case .adagrad: return "adagrad"
        case .rmsprop: return "rmsprop"
        case .adam: return "adam"
        case .adamax: return "adamax"
        case .nadam: return "nadam"
        }
    }
    public static let names = ["sgd", "adagrad", "rmsprop", "adam", "adamax", "nadam"]

    /// Keras' default learning rate for each optimizer.
    public var defaultLearningRate: Float {
        switch self {
        case .sgd: return 0.01
        default: return 0.001
        }
    }

    var slotCount: Int {
        switch self {
        case .sgd(let m, _): return m == 0 ? 0 : 1
        case .adagrad: return 1
        case .rmsprop(_, let m, _): return m == 0 ? 1 : 2
        case .adam, .adamax, .nadam: return 2
        }
    }
}

/// Applies gradients to parameters: clipping once here, then the rule of
/// `kind`, with per-parameter slots (momentum, accumulators) keyed by the
/// parameter. The learning rate is settable so schedules and callbacks can move it.
public final class Optimizer {
    public let kind: OptimizerKind
    /// The base rate, or the schedule's rate at step 0 when a schedule is set.
    public var learningRate: Float
    /// When set, the rate at each step comes from it.
    public var schedule: LearningRateSchedule?
    public var clipping: Clipping
    /// Steps taken so far (Keras' `optimizer.iterations`).
    public private(set) var iterations: Int = 0
    /// How many steps had at least one gradient clipped.
    public private(set) var clippedSteps: Int = 0
    private var slots: [ObjectIdentifier: [Tensor]] = [:]
    private var nadamMomentumProduct: Double = 1

    public init(kind: OptimizerKind, learningRate: Float? = nil, schedule: LearningRateSchedule? = nil,
                clipping: Clipping = Clipping()) {
        self.kind = kind
        self.learningRate = learningRate ?? kind.defaultLearningRate
        self.schedule = schedule
        self.clipping = clipping
    }

    /// The rate the next step will use.
    public var currentLearningRate: Float {
        schedule?.rate(at: iterations) ?? learningRate
    }

    /// Forgets slots and the step count (a fresh `compile`).
    public func reset() {
        slots = [:]
        iterations = 0
        clippedSteps = 0
        nadamMomentumProduct = 1
    }

    /// The slot tensors of a parameter (empty before its first step).
    public func slots(of p: Parameter) -> [Tensor] { slots[ObjectIdentifier(p)] ?? [] }

    /// Restores slots (when loading a model with its optimizer state).
    public func setSlots(_ tensors: [Tensor], for p: Parameter) { slots[ObjectIdentifier(p)] = tensors }
    public func setIterations(_ n: Int) { iterations = n }

    /// The state beyond the slots, as text that round-trips exactly (Nadam's
    /// momentum product, the count of clipped steps), for saving a model.
    public var scalarState: [String: String] {
        ["nadam_momentum_product": "\(nadamMomentumProduct)", "clipped_steps": "\(clippedSteps)"]
    }

    public func setScalarState(_ state: [String: String]) {
        if let v = state["nadam_momentum_product"].flatMap(Double.init), v.isFinite, v >= 0, v <= 1 { nadamMomentumProduct = v }
        if let v = state["clipped_steps"].flatMap(Int.init), v >= 0 { clippedSteps = v }
    }

    /// Copies all state from another optimizer over the same parameters.
    public func copyState(from other: Optimizer, mapping: [(Parameter, Parameter)]) {
        iterations = other.iterations
        clippedSteps = other.clippedSteps
        nadamMomentumProduct = other.nadamMomentumProduct
        learningRate = other.learningRate
        slots = [:]
        for (from, to) in mapping { slots[ObjectIdentifier(to)] = other.slots(of: from).map { $0.copy() } }
    }

    /// Everything the optimizer remembers, for rollback.
    public struct State {
        var slots: [ObjectIdentifier: [Tensor]]
        var iterations: Int
        var clippedSteps: Int
        var nadamMomentumProduct: Double
        var learningRate: Float
    }

    public func saveState() -> State {
        State(slots: slots.mapValues { $0.map { $0.copy() } }, iterations: iterations, clippedSteps: clippedSteps,
              nadamMomentumProduct: nadamMomentumProduct, learningRate: learningRate)
    }

    public func restoreState(_ s: State) {
        slots = s.slots.mapValues { $0.map { $0.copy() } }
        iterations = s.iterations
        clippedSteps = s.clippedSteps
        nadamMomentumProduct = s.nadamMomentumProduct
        learningRate = s.learningRate
    }

    /// One step over `parameters` (only the trainable ones move).
    public func update(_ parameters: [Parameter]) {
        let trainable = parameters.filter { $0.trainable }
        if clipping.isActive, clipping.apply(trainable.map { $0.gradient }) { clippedSteps += 1 }
        let lr = currentLearningRate
        let t = Double(iterations + 1)
        var nadam: (uT: Float, uT1: Float, prodT: Float, prodT1: Float) = (0, 0, 0, 0)
        if case .nadam(let b1, _, _) = kind {
            let uT = Double(b1) * (1 - 0.5 * pow(0.96, t))
            let uT1 = Double(b1) * (1 - 0.5 * pow(0.96, t + 1))
            let prodT = nadamMomentumProduct * uT
            nadam = (Float(uT), Float(uT1), Float(prodT), Float(prodT * uT1))
            nadamMomentumProduct = prodT
        }
        for p in trainable {
            let key = ObjectIdentifier(p)
            var s = slots[key] ?? []
            if s.isEmpty && kind.slotCount > 0 {
                s = (0..<kind.slotCount).map { _ in Tensor(zeros: p.value.shape) }
                if case .adagrad(let initial, _) = kind { s[0].fill(initial) }
                slots[key] = s
            }
            let w = p.value.data, g = p.gradient.data, n = p.count
            switch kind {
            case .sgd(let momentum, let nesterov):
                // Keras: m = momentum·m − lr·g; w += nesterov ? momentum·m − lr·g : m
                if momentum == 0 {
                    Vectorized.axpy(w, g, n, scale: -lr)
                } else {
                    let m = s[0].data
                    Lanes.each(n) { i, k in
                        let gv = Lanes.load(g, i, k)
                        let mv = momentum * Lanes.load(m, i, k) - lr * gv
                        Lanes.store(mv, m, i, k)
                        Lanes.store(Lanes.load(w, i, k) + (nesterov ? momentum * mv - lr * gv : mv), w, i, k)
                    }
                }
            case .adagrad(_, let eps):
                // Keras: acc += g²; w −= lr·g / sqrt(acc + ε)
                let acc = s[0].data
                Lanes.each(n) { i, k in
                    let gv = Lanes.load(g, i, k)
                    let av = Lanes.load(acc, i, k) + gv * gv
                    Lanes.store(av, acc, i, k)
                    Lanes.store(Lanes.load(w, i, k) - lr * gv / (av + eps).squareRoot(), w, i, k)
                }
            case .rmsprop(let rho, let momentum, let eps):
                // Keras: v = ρ·v + (1−ρ)·g²; step = lr·g / sqrt(v + ε);
                // with momentum: m = momentum·m + step; w −= m
                let v = s[0].data, m = momentum > 0 ? s[1].data : v
                Lanes.each(n) { i, k in
                    let gv = Lanes.load(g, i, k)
                    let vv = rho * Lanes.load(v, i, k) + (1 - rho) * gv * gv
                    Lanes.store(vv, v, i, k)
                    let inc = lr * gv / (vv + eps).squareRoot()
                    if momentum > 0 {
                        let mv = momentum * Lanes.load(m, i, k) + inc
                        Lanes.store(mv, m, i, k)
                        Lanes.store(Lanes.load(w, i, k) - mv, w, i, k)
                    } else {
                        Lanes.store(Lanes.load(w, i, k) - inc, w, i, k)
                    }
                }
            case .adam(let b1, let b2, let eps):
                // Keras: α = lr·sqrt(1−β₂ᵗ)/(1−β₁ᵗ); m += (g−m)(1−β₁); v += (g²−v)(1−β₂);
                // w −= α·m / (sqrt(v) + ε)
                let alpha = Float(Double(lr) * (1 - pow(Double(b2), t)).squareRoot() / (1 - pow(Double(b1), t)))
                // 1 − β in double, rounded once, as Keras computes it.
                let c1 = Float(1 - Double(b1)), c2 = Float(1 - Double(b2))
                let m = s[0].data, v = s[1].data
                Lanes.each(n) { i, k in
                    let gv = Lanes.load(g, i, k), mOld = Lanes.load(m, i, k), vOld = Lanes.load(v, i, k)
                    let mv = mOld + (gv - mOld) * c1
                    let vv = vOld + (gv * gv - vOld) * c2
                    Lanes.store(mv, m, i, k)
                    Lanes.store(vv, v, i, k)
                    Lanes.store(Lanes.load(w, i, k) - alpha * mv / (vv.squareRoot() + eps), w, i, k)
                }
            case .adamax(let b1, let b2, let eps):
                // Keras: m += (g−m)(1−β₁); u = max(β₂·u, |g|); w −= lr·m / ((1−β₁ᵗ)(u + ε))
                let corr = Float(1 - pow(Double(b1), t))
                let m = s[0].data, u = s[1].data
                Lanes.each(n) { i, k in
                    let gv = Lanes.load(g, i, k), mOld = Lanes.load(m, i, k)
                    let mv = mOld + (gv - mOld) * (1 - b1)
                    let uv = pointwiseMax(b2 * Lanes.load(u, i, k), Lanes.abs(gv))
                    Lanes.store(mv, m, i, k)
                    Lanes.store(uv, u, i, k)
                    Lanes.store(Lanes.load(w, i, k) - lr * mv / (corr * (uv + eps)), w, i, k)
                }
            case .nadam(let b1, let b2, let eps):
                // Keras: uₜ = β₁(1 − ½·0.96ᵗ) (Keras 3 drops the older 0.004 factor); m̂ = uₜ₊₁·m/(1−Πu·uₜ₊₁) + (1−uₜ)·g/(1−Πu);
                // v̂ = v/(1−β₂ᵗ); w −= lr·m̂ / (sqrt(v̂) + ε)
                let m = s[0].data, v = s[1].data
                let b2Power = Float(pow(Double(b2), t))
                Lanes.each(n) { i, k in
                    let gv = Lanes.load(g, i, k), mOld = Lanes.load(m, i, k), vOld = Lanes.load(v, i, k)
                    let mv = mOld + (gv - mOld) * (1 - b1)
                    let vv = vOld + (gv * gv - vOld) * (1 - b2)
                    Lanes.store(mv, m, i, k)
                    Lanes.store(vv, v, i, k)
                    let mHat = nadam.uT1 * mv / (1 - nadam.prodT1) + (1 - nadam.uT) * gv / (1 - nadam.prodT)
                    let vHat = vv / (1 - b2Power)
                    Lanes.store(Lanes.load(w, i, k) - lr * mHat / (vHat.squareRoot() + eps), w, i, k)
                }
            }
            p.constraint?.apply(p.value)
        }
        iterations += 1
    }

    /// `sgd(learning_rate=0.01, momentum=0.9, nesterov=true)`-style text.
    public var description: String {
        var parts: [String] = []
        if let s = schedule { parts.append("learning_rate=\(s.description)") } else { parts.append("learning_rate=\(formatFloat(learningRate))") }
        switch kind {
        case .sgd(let m, let nest):
            if m != 0 { parts.append("momentum=\(formatFloat(m))") }
            if nest { parts.append("nesterov=true") }
        case .adagrad(let a, let e): parts += ["initial_accumulator_value=\(formatFloat(a))", "epsilon=\(formatFloat(e))"]
        case .rmsprop(let rho, let m, let e):
            parts.append("rho=\(formatFloat(rho))")
            if m != 0 { parts.append("momentum=\(formatFloat(m))") }
            parts.append("epsilon=\(formatFloat(e))")
        case .adam(let b1, let b2, let e), .adamax(let b1, let b2, let e), .nadam(let b1, let b2, let e):
            parts += ["beta_1=\(formatFloat(b1))", "beta_2=\(formatFloat(b2))", "epsilon=\(formatFloat(e))"]
        }
        return "\(kind.name)(\(parts.joined(separator: ", ")))"
    }
}

/// Eight floats at a time for the update rules: the same arithmetic as a
/// scalar loop, lane by lane (IEEE division and square root are exact per
/// lane), with a partial vector at the end.
enum Lanes {
    typealias V = SIMD8<Float>

    @inline(__always)
    static func each(_ n: Int, _ body: (_ i: Int, _ k: Int) -> Void) {
        var i = 0
        while i + 8 <= n { body(i, 8); i += 8 }
        if i < n { body(i, n - i) }
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ k: Int) -> V {
        if k == 8 { return UnsafeRawPointer(p + i).loadUnaligned(as: V.self) }
        var v = V(repeating: 0)
        for j in 0..<k { v[j] = p[i + j] }
        return v
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int, _ k: Int) {
        if k == 8 { UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self); return }
        for j in 0..<k { p[i + j] = v[j] }
    }

    @inline(__always)
    static func abs(_ v: V) -> V { unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & SIMD8<UInt32>(repeating: 0x7fff_ffff), to: V.self) }
}
