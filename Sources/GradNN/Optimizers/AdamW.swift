import GradTensor

/// Keras' `AdamW` (Loshchilov & Hutter 2019): Adam's rule with decoupled
/// weight decay, `weight_decay=0.004` by default. The decay itself is the
/// base optimizer's (`Optimizer.weightDecay`, applied before the step, as
/// Keras applies it for every optimizer); the update is Adam's.
public struct AdamW: OptimizerRule {
    public static let name = "adamw"
    public static let kerasClassName = "AdamW"
    public static var defaultWeightDecay: Float? { 0.004 }
    public static let keys: [OptimizerKey<AdamW>] = [
        .number("beta_1", \.adam.beta1), .number("beta_2", \.adam.beta2), .number("epsilon", \.adam.epsilon),
    ]

    public var adam: Adam

    public init() { adam = Adam() }

    public var slotCount: Int { adam.slotCount }

    public func prepare(step t: Double, learningRate lr: Float, scalars: inout [Double]) -> Adam.StepConstants {
        adam.prepare(step: t, learningRate: lr, scalars: &scalars)
    }

    public func apply(_ c: Adam.StepConstants, weights w: UnsafeMutablePointer<Float>, gradient g: UnsafeMutablePointer<Float>,
                      slots: [Tensor], offset: Int, count n: Int) {
        adam.apply(c, weights: w, gradient: g, slots: slots, offset: offset, count: n)
    }
}
