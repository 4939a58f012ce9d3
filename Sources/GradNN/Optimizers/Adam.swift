import Foundation
import GradTensor

/// Keras' `Adam`: momentum on the gradient and on its square, with bias correction.
///
/// Keras: `α = lr·sqrt(1−β₂ᵗ)/(1−β₁ᵗ); m += (g−m)(1−β₁); v += (g²−v)(1−β₂); w −= α·m / (sqrt(v) + ε)`.
/// Defaults: `learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7`. (`torch.optim.Adam` puts ε after
/// the bias correction of v: a slightly different rule.)
public struct Adam: OptimizerRule {
    public static let name = "adam"
    public static let keys: [OptimizerKey<Adam>] = [
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

    /// The bias-corrected rate α, and 1 − β₁, 1 − β₂ computed in double and rounded once, as Keras computes them.
    public func prepare(step t: Double, learningRate lr: Float,
                        scalars: inout [Double]) -> (alpha: Float, c1: Float, c2: Float) {
        (Float(Double(lr) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t))),
         Float(1 - Double(beta1)), Float(1 - Double(beta2)))
    }

    public func apply(_ c: (alpha: Float, c1: Float, c2: Float), weights w: UnsafeMutablePointer<Float>,
                      gradient g: UnsafeMutablePointer<Float>, slots: [Tensor], offset: Int, count n: Int) {
        let m = (slots[0].data + offset), v = (slots[1].data + offset), eps = epsilon
        Lanes.each(n) { i, k in
            let gv = Lanes.load(g, i, k), mOld = Lanes.load(m, i, k), vOld = Lanes.load(v, i, k)
            let mv = mOld + (gv - mOld) * c.c1
            let vv = vOld + (gv * gv - vOld) * c.c2
            Lanes.store(mv, m, i, k)
            Lanes.store(vv, v, i, k)
            Lanes.store(Lanes.load(w, i, k) - c.alpha * mv / (vv.squareRoot() + eps), w, i, k)
        }
    }
}
