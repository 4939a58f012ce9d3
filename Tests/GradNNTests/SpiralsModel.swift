@testable import GradNN
import GradTensor

/// Three spirals (`n` samples) and Dense(`first`, elu) → BatchNormalization →
/// Dense(`second`, relu, `constraint`) → Dense(3, softmax) with sparse
/// cross-entropy and `rule`: the model that tests of the fast training paths
/// (fused SGD, two cores, background updates) train both ways and compare.
func spiralsModel(n: Int, first: Int, second: Int, constraint: Constraint? = nil,
                  rule: any OptimizerRule, learningRate: Float, weightDecay: Float? = nil,
                  rng: inout RandomGenerator) throws -> (Sequential, Dataset) {
    let d = Synthetic.spirals.generate(n: n, noise: 0.05, classes: 3, rng: &rng)
    let m = Sequential()
    try m.add(Dense(units: first, activation: .elu(alpha: 1)), rng: &rng)
    try m.add(BatchNormalization(), rng: &rng)
    try m.add(Dense(units: second, activation: .relu, kernelConstraint: constraint), rng: &rng)
    try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
    try m.build(inputShape: [2], rng: &rng)
    m.loss = .sparseCategoricalCrossentropy
    m.optimizer = Optimizer(rule: rule, learningRate: learningRate, weightDecay: weightDecay)
    return (m, d)
}
