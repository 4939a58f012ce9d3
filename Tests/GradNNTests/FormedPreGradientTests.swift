import Foundation
@testable import GradNN
import GradTensor
import TestSupport
import XCTest

/// A dense layer's input-gradient product forms the dz (and Σ dz) of the
/// dense layer below it range by range of columns (`Dense.formPreGradient`).
/// Training must give the same bits as the separate passes it replaces, for
/// every element-wise activation kind (output-based, input-based, vector
/// kernels, scalar loops), with the fused SGD update and with a plain
/// optimizer, on one core and on two, where the column ranges differ.
final class FormedPreGradientTests: XCTestCase {
    override func tearDown() {
        Tuning.twoCores = nil
        Tuning.splitWork = 500_000
    }

    /// Dense(40, a) → Dense(37, b) → Dense(3, softmax), trained 12 steps on a batch of 33.
    func train(_ a: Activation, _ b: Activation, rule: any OptimizerRule, formed: Bool) throws -> [[Float]] {
        var rng = RandomGenerator(seed: 9)
        let m = Sequential()
        try m.add(Dense(units: 40, activation: a, kernelInitializer: .named("he_normal")!), rng: &rng)
        try m.add(Dense(units: 37, activation: b, kernelInitializer: .named("he_normal")!), rng: &rng)
        try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
        try m.build(inputShape: [29], rng: &rng)
        m.loss = .sparseCategoricalCrossentropy
        m.optimizer = Optimizer(rule: rule, learningRate: 0.05)
        m.allowFormedPreGradients = formed
        let x = Check.random([33, 29], seed: 4, scale: 2)
        let targets: [Float] = (0..<33).map { Float($0 % 3) }
        let before = m.parameters.map { $0.value.array }
        for _ in 0..<12 { _ = targets.withUnsafeBufferPointer { m.trainStep(x, targets: $0.baseAddress!, rng: &rng) } }
        // The path under test was taken (else the comparison proves nothing).
        let plan = m.plan()
        XCTAssertTrue(m.formingBelow(2, plan: plan, watched: false) === (formed ? m.layers[1] as? Dense : nil))
        XCTAssertTrue(m.formingBelow(1, plan: plan, watched: false) === (formed ? m.layers[0] as? Dense : nil))
        let after = m.parameters.map { $0.value.array }
        XCTAssertNotEqual(after, before, "training moved the weights")
        return after
    }

    func testFormedPreGradientsGiveTheSameBits() throws {
        let kinds: [(Activation, Activation)] = [
            (.elu(alpha: 1), .elu(alpha: 1)), (.selu, .tanh), (.relu, .sigmoid), (.gelu(approximate: false), .silu),
            (.leakyRelu(alpha: 0.2), .softsign), (.linear, .mish), (.celu(alpha: 0.7), .softplus),
        ]
        // Two cores with every product split (column ranges of 16 and 21), and one core.
        for twoCores in [true, false] {
            Tuning.twoCores = twoCores
            Tuning.splitWork = twoCores ? 0 : 500_000
            for (a, b) in kinds {
                for rule in [SGD(), SGD(momentum: 0.9), Adam()] as [any OptimizerRule] {
                    let formed = try train(a, b, rule: rule, formed: true)
                    let separate = try train(a, b, rule: rule, formed: false)
                    let differs = zip(formed, separate).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
                    XCTAssertTrue(formed.count == separate.count && differs.isEmpty,
                                  "\(a.name) → \(b.name), \(rule), two cores: \(twoCores): parameters \(differs) differ")
                }
            }
        }
    }
}
