import Foundation
import GradTensor

/// Keras' `Adamax`: Adam with the infinity norm in place of the squared gradients' average.
///
/// Keras: `m += (g−m)(1−β₁); u = max(β₂·u, |g|); w −= lr·m / ((1−β₁ᵗ)(u + ε))`.
/// Defaults: `learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7`.
public struct Adamax: OptimizerRule {
    public static let name = "adamax"
    public static let keys: [OptimizerKey<Adamax>] = [
        .number("beta_1", \.beta1), .number("beta_2", \.beta2), .number("epsilon", \.epsilon),
    ]

    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float

    public init() { self.init(beta1: 0.9, beta2: 0.999, epsilon: 1e-7) }
    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public var slotCount: Int { 2 }

    /// The learning rate and the bias correction 1 − β₁ᵗ.
    public func prepare(step t: Double, learningRate lr: Float,
                        scalars: inout [Double]) -> (lr: Float, correction: Float) {
        (lr, Float(1 - pow(Double(beta1), t)))
    }

    public func apply(_ c: (lr: Float, correction: Float), weights w: UnsafeMutablePointer<Float>,
                      gradient g: UnsafeMutablePointer<Float>, slots: [Tensor], offset: Int, count n: Int) {
        let m = (slots[0].data + offset), u = (slots[1].data + offset), b1 = beta1, b2 = beta2, eps = epsilon
        Lanes.each(n) { i, k in
            let gv = Lanes.load(g, i, k), mOld = Lanes.load(m, i, k)
            let mv = mOld + (gv - mOld) * (1 - b1)
            let uv = pointwiseMax(b2 * Lanes.load(u, i, k), Lanes.abs(gv))
            Lanes.store(mv, m, i, k)
            Lanes.store(uv, u, i, k)
            Lanes.store(Lanes.load(w, i, k) - c.lr * mv / (c.correction * (uv + eps)), w, i, k)
        }
    }
}
