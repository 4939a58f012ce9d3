import CGemm
import Foundation
import GradTensor

/// Keras 3's `Nadam`: Adam with a Nesterov look-ahead on the momentum, under a momentum schedule.
///
/// Keras: `uₜ = β₁(1 − ½·0.96ᵗ)` (Keras 3 drops the older 0.004 factor), `Πu` the running product of the uₜ;
/// `m += (g−m)(1−β₁); v += (g²−v)(1−β₂); m̂ = uₜ₊₁·m/(1−Πu·uₜ₊₁) + (1−uₜ)·g/(1−Πu); v̂ = v/(1−β₂ᵗ);
/// w −= lr·m̂ / (sqrt(v̂) + ε)`. Defaults: `learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7`.
public struct Nadam: OptimizerRule {
    public static let name = "nadam"
    public static let keys: [OptimizerKey<Nadam>] = [
        .number("beta_1", \.beta1), .number("beta_2", \.beta2), .number("epsilon", \.epsilon),
    ]
    /// Πu, carried across steps (Keras' `_u_product`).
    public static let scalars = [RuleScalar(name: "nadam_momentum_product", initial: 1, range: 0...1)]

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

    public struct StepConstants {
        let lr: Float, uT: Float, uT1: Float, prodT: Float, prodT1: Float, b2Power: Float
    }

    /// uₜ, uₜ₊₁ and the products in double, advancing Πu; then rounded once to Float.
    public func prepare(step t: Double, learningRate lr: Float, scalars: inout [Double]) -> StepConstants {
        let uT = Double(beta1) * (1 - 0.5 * pow(0.96, t))
        let uT1 = Double(beta1) * (1 - 0.5 * pow(0.96, t + 1))
        let prodT = scalars[0] * uT
        scalars[0] = prodT
        return StepConstants(lr: lr, uT: Float(uT), uT1: Float(uT1), prodT: Float(prodT), prodT1: Float(prodT * uT1),
                             b2Power: Float(pow(Double(beta2), t)))
    }

    /// The update, element by element, in CGemm's vectorised loop for the CPU
    /// (same operations in the same order on every path; `NadamKernelTests`
    /// checks it against this formula written out in Swift).
    public func apply(_ c: StepConstants, weights w: UnsafeMutablePointer<Float>,
                      gradient g: UnsafeMutablePointer<Float>, slots: [Tensor], offset: Int, count n: Int) {
        cgemm_nadam_update(w, g, (slots[0].data + offset), (slots[1].data + offset), n, beta1, beta2, epsilon,
                           c.lr, c.uT, c.uT1, c.prodT, c.prodT1, c.b2Power)
    }
}
