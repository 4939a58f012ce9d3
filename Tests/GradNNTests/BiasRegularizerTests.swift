import XCTest
@testable import GradNN
import GradTensor

final class BiasRegularizerTests: XCTestCase {
    /// Keras' `Dense(bias_regularizer=l2(0.1))` adds 0.1·Σb² to the loss and
    /// 2·0.1·b to the bias gradient; worked by hand on a bias of 0.5, 0.5.
    func testBiasRegularizerAddsItsPenaltyAndGradient() throws {
        func run(_ reg: Regularizer?) throws -> (penalty: Float, biasGradient: [Float]) {
            var rng = RandomGenerator(seed: 1)
            let m = Sequential()
            try m.add(Dense(units: 2, activation: .softmax, biasInitializer: try Initializer(ComponentCall(parsing: "constant(0.5)")),
                            biasRegularizer: reg), rng: &rng)
            try m.build(inputShape: [3], rng: &rng)
            m.loss = .sparseCategoricalCrossentropy
            m.optimizer = Optimizer(rule: SGD(), learningRate: 0.1)
            let x = Tensor(shape: [1, 3], values: [1, 2, 3])
            let t: [Float] = [1]
            let r = t.withUnsafeBufferPointer { m.computeGradients(x, targets: $0.baseAddress!, rng: &rng) }
            return (r.penalty, (m.layers[0] as! Dense).bias!.gradient.array)
        }
        let with = try run(Regularizer(l2: 0.1)), without = try run(nil)
        XCTAssertEqual(with.penalty, 0.05, accuracy: 1e-7)
        XCTAssertEqual(without.penalty, 0)
        for (a, b) in zip(with.biasGradient, without.biasGradient) { XCTAssertEqual(a - b, 0.1, accuracy: 1e-6) }
        // And the plain-SGD fast path leaves such a layer to the optimizer.
        var rng = RandomGenerator(seed: 1)
        let m = Sequential()
        try m.add(Dense(units: 2, biasRegularizer: Regularizer(l2: 0.1)), rng: &rng)
        try m.build(inputShape: [3], rng: &rng)
        m.loss = .meanSquaredError
        m.optimizer = Optimizer(rule: SGD(), learningRate: 0.1)
        XCTAssertTrue(m.plan().fusedSGDLayers.isEmpty)
    }
}
