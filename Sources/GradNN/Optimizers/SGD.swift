import GradTensor

/// Keras' `SGD`: plain gradient descent, with optional momentum and Nesterov's look-ahead.
///
/// Keras: `m = momentum·m − lr·g; w += nesterov ? momentum·m − lr·g : m` (without momentum, `w −= lr·g`).
/// Defaults: `learning_rate=0.01, momentum=0, nesterov=false`. Note the sign convention differs from
/// `torch.optim.SGD`, which accumulates `m = momentum·m + g` and steps `lr·m`: equal only at a constant rate.
public struct SGD: OptimizerRule {
    public static let name = "sgd"
    public static let kerasClassName = "SGD"
    public static let defaultLearningRate: Float = 0.01
    public static let keys: [OptimizerKey<SGD>] = [.number("momentum", \.momentum), .flag("nesterov", \.nesterov)]

    public var momentum: Float
    public var nesterov: Bool

    public init() { self.init(momentum: 0, nesterov: false) }
    public init(momentum: Float = 0, nesterov: Bool = false) {
        self.momentum = momentum
        self.nesterov = nesterov
    }

    public var slotCount: Int { momentum == 0 ? 0 : 1 }

    /// Momentum and Nesterov only when they do something, as `compile` echoes them.
    public var describedArguments: [(name: String, value: OptimizerValue)] {
        arguments.filter { $0.value != .number(0) && $0.value != .flag(false) }
    }

    public func prepare(step t: Double, learningRate lr: Float, scalars: inout [Double]) -> Float { lr }

    public func apply(_ lr: Float, weights w: UnsafeMutablePointer<Float>, gradient g: UnsafeMutablePointer<Float>,
                      slots: [Tensor], offset: Int, count n: Int) {
        if momentum == 0 {
            Vectorized.axpy(w, g, n, scale: -lr)
            return
        }
        let m = (slots[0].data + offset), momentum = momentum, nesterov = nesterov
        Lanes.each(n) { i, k in
            let gv = Lanes.load(g, i, k)
            let mv = momentum * Lanes.load(m, i, k) - lr * gv
            Lanes.store(mv, m, i, k)
            Lanes.store(Lanes.load(w, i, k) + (nesterov ? momentum * mv - lr * gv : mv), w, i, k)
        }
    }
}
