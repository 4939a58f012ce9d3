import GradTensor

/// Keras' `RMSprop`: steps scaled by a moving average of squared gradients, with optional momentum.
///
/// Keras: `v = ρ·v + (1−ρ)·g²; step = lr·g / sqrt(v + ε)` (ε inside the root); with momentum
/// `m = momentum·m + step; w −= m`, else `w −= step`. Defaults: `learning_rate=0.001, rho=0.9, momentum=0,
/// epsilon=1e-7` (Keras' `centered=False`; gradlab has no centered variant).
public struct RMSprop: OptimizerRule {
    public static let name = "rmsprop"
    public static let kerasClassName = "RMSprop"
    public static let keys: [OptimizerKey<RMSprop>] = [
        .number("rho", \.rho), .number("momentum", \.momentum), .number("epsilon", \.epsilon),
    ]

    public var rho: Float
    public var momentum: Float
    public var epsilon: Float

    public init() { self.init(rho: 0.9, momentum: 0, epsilon: 1e-7) }
    public init(rho: Float = 0.9, momentum: Float = 0, epsilon: Float = 1e-7) {
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public var slotCount: Int { momentum == 0 ? 1 : 2 }

    /// Momentum only when it is on, as `compile` echoes it.
    public var describedArguments: [(name: String, value: OptimizerValue)] {
        arguments.filter { $0.name != "momentum" || momentum != 0 }
    }

    public func prepare(step t: Double, learningRate lr: Float, scalars: inout [Double]) -> Float { lr }

    public func apply(_ lr: Float, weights w: UnsafeMutablePointer<Float>, gradient g: UnsafeMutablePointer<Float>,
                      slots: [Tensor], offset: Int, count n: Int) {
        let rho = rho, momentum = momentum, eps = epsilon
        let v = (slots[0].data + offset), m = momentum > 0 ? (slots[1].data + offset) : v
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
    }
}
