@testable import GradNN
import GradTensor

/// Two moons (`n` samples, the last `validation` held out), then
/// Dense(`hidden`, relu) → Dense(2, softmax) with sparse cross-entropy and
/// `rule`: the small model that tests of `fit` and its callbacks train.
func smallMoonsModel(n: Int, validation: Int, hidden: Int, rule: any OptimizerRule, learningRate: Float,
                     rng: inout RandomGenerator) throws -> (Sequential, Dataset) {
    let d = try Synthetic.moons.generate(n: n, noise: 0.1, rng: &rng).withValidation(last: validation)
    let m = Sequential()
    try m.add(Dense(units: hidden, activation: .relu), rng: &rng)
    try m.add(Dense(units: 2, activation: .softmax), rng: &rng)
    try m.build(inputShape: [2], rng: &rng)
    m.loss = .sparseCategoricalCrossentropy
    m.optimizer = Optimizer(rule: rule, learningRate: learningRate)
    return (m, d)
}
