import XCTest
@testable import GradNN
import GradTensor
import TestSupport

/// Keras' `Dense(activity_regularizer=…)`: a penalty on the layer's output,
/// after its activation. Keras 3.15.1's `Layer.__call__` records
/// `activity_regularizer(output) / batch_size` (`divide_no_nan`, "to ensure
/// consistent regularization strength across batch sizes"); `compute_loss`
/// adds it to the loss, and `evaluate` weights each batch's loss (with it) by
/// the batch size.
final class ActivityRegularizerTests: XCTestCase {
    let x = Tensor(shape: [4, 3], values: [0.5, -1.0, 2.0, 1.5, 0.3, -0.7, -0.2, 0.8, 0.1, 0.9, -0.4, -1.2])
    let targets: [Float] = [0, 1, 1, 0]
    let weights: [[Float]] = [
        [0.3, -0.2, 0.5, 0.1, -0.4, 0.6, 0.2, -0.3, 0.1, 0.25, -0.35, 0.45], [0.05, -0.1, 0.0, 0.2],
        [0.2, -0.5, 0.4, 0.7, 0.1, -0.3, -0.6, 0.3, 0.2, 0.15, -0.25, 0.35], [0.1, 0.3, -0.2],
        [0.5, -0.3, -0.2, 0.4, 0.3, 0.6], [0.0, 0.1],
    ]

    /// Dense(4, tanh, l2(0.01)) → Dense(3, `middle`, l1(0.05)) → Dense(2, softmax, l1_l2(0.01, 0.02)),
    /// sparse categorical cross-entropy, SGD(0.1), with the weights above.
    func model(middle: Activation = .relu) throws -> Sequential {
        var rng = RandomGenerator(seed: 1)
        let m = Sequential()
        try m.add(Dense(units: 4, activation: .tanh, activityRegularizer: Regularizer(l2: 0.01)), rng: &rng)
        try m.add(Dense(units: 3, activation: middle, activityRegularizer: Regularizer(l1: 0.05)), rng: &rng)
        try m.add(Dense(units: 2, activation: .softmax, activityRegularizer: Regularizer(l1: 0.01, l2: 0.02)), rng: &rng)
        try m.build(inputShape: [3], rng: &rng)
        for (p, w) in zip(m.parameters, weights) { p.value.assign(Tensor(shape: p.value.shape, values: w)) }
        m.loss = .sparseCategoricalCrossentropy
        m.optimizer = Optimizer(rule: SGD(), learningRate: 0.1)
        return m
    }

    var split: DataSplit {
        DataSplit(storage: SampleStorage(features: .floats(x.array), sampleShape: [3], targets: targets), range: 0..<4)
    }

    /// One SGD step and `evaluate` (batches of 3 and 1) against Keras 3.15.1 (JAX, float32):
    ///
    /// ```python
    /// import os; os.environ["KERAS_BACKEND"] = "jax"
    /// import numpy as np, keras
    /// from keras import layers, regularizers
    /// x = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 0.1], [0.9, -0.4, -1.2]], np.float32)
    /// y = np.array([0, 1, 1, 0])
    /// w1 = np.array([[0.3, -0.2, 0.5, 0.1], [-0.4, 0.6, 0.2, -0.3], [0.1, 0.25, -0.35, 0.45]], np.float32)
    /// b1 = np.array([0.05, -0.1, 0.0, 0.2], np.float32)
    /// w2 = np.array([[0.2, -0.5, 0.4], [0.7, 0.1, -0.3], [-0.6, 0.3, 0.2], [0.15, -0.25, 0.35]], np.float32)
    /// b2 = np.array([0.1, 0.3, -0.2], np.float32)
    /// w3 = np.array([[0.5, -0.3], [-0.2, 0.4], [0.3, 0.6]], np.float32)
    /// b3 = np.array([0.0, 0.1], np.float32)
    /// m = keras.Sequential([keras.Input((3,)),
    ///     layers.Dense(4, activation="tanh", activity_regularizer=regularizers.L2(0.01)),
    ///     layers.Dense(3, activation="relu", activity_regularizer=regularizers.L1(0.05)),
    ///     layers.Dense(2, activation="softmax", activity_regularizer=regularizers.L1L2(l1=0.01, l2=0.02))])
    /// m.set_weights([w1, b1, w2, b2, w3, b3])
    /// m.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    /// print(m.evaluate(x, y, batch_size=3, verbose=0))   # 0.7193584442138672
    /// print(float(m.train_on_batch(x, y)))                # 0.7193583250045776
    /// for w in m.get_weights(): print(w.tolist())
    /// print(m.evaluate(x, y, batch_size=3, verbose=0))   # 0.708848237991333
    /// ```
    ///
    /// The same numbers whether plain SGD updates inside the backward pass or not.
    func testOneSGDStepMatchesKeras() throws {
        let kerasAfter: [[Float]] = [
            [0.3002038300037384, -0.19499681890010834, 0.49517616629600525, 0.1002052053809166,
             -0.404516339302063, 0.5888504981994629, 0.21110183000564575, -0.30260491371154785,
             0.09730622172355652, 0.2613900601863861, -0.3536584973335266, 0.449025422334671],
            [0.04592527449131012, -0.09872188419103622, 0.002423208672553301, 0.1968790590763092],
            [0.2083769142627716, -0.5037599205970764, 0.3955248296260834, 0.6933736205101013, 0.10732066631317139,
             -0.2955198287963867, -0.604684591293335, 0.2973369359970093, 0.2003375142812729,
             0.15708686411380768, -0.2490534484386444, 0.3464926779270172],
            [0.09727080166339874, 0.3004772961139679, -0.20846247673034668],
            [0.5020776987075806, -0.3020777404308319, -0.20527979731559753, 0.40527981519699097,
             0.30554893612861633, 0.5944510698318481],
            [0.004188121762126684, 0.0958118811249733],
        ]
        for fused in [true, false] {
            let m = try model()
            m.allowFusedUpdates = fused
            XCTAssertFalse(m.plan().fusesOutput, "the output layer's activity gradient needs dL/d(output)")
            XCTAssertEqual(m.plan().fusedSGDLayers.isEmpty, !fused)
            XCTAssertEqual(m.evaluate(split, batchSize: 3).loss, 0.7193584442138672, accuracy: 1e-6)
            var rng = RandomGenerator(seed: 1)
            let r = targets.withUnsafeBufferPointer { m.trainStep(x, targets: $0.baseAddress!, rng: &rng) }
            XCTAssertEqual(r.loss, 0.7193583250045776, accuracy: 1e-6, "fused=\(fused)")
            for (p, k) in zip(m.parameters, kerasAfter) { Check.close(p.value.array, k, rel: 1e-5, abs: 1e-6, "\(p.path) fused=\(fused)") }
            XCTAssertEqual(m.evaluate(split, batchSize: 3).loss, 0.708848237991333, accuracy: 1e-6, "fused=\(fused)")
        }
    }

    /// The fast paths take the augmented dL/d(output) too: a BatchNormalization
    /// folded into the next Dense layer, and plain SGD inside Dense's backward
    /// pass, land where the reference path does after 5 steps.
    func testFastPathsMatchTheReferencePath() throws {
        func train(fast: Bool) throws -> [[Float]] {
            var rng = RandomGenerator(seed: 3)
            let m = Sequential()
            try m.add(BatchNormalization(), rng: &rng)
            try m.add(Dense(units: 8, activation: .elu(alpha: 1), activityRegularizer: Regularizer(l1: 0.01, l2: 0.05)), rng: &rng)
            try m.add(Dense(units: 3, activation: .softmax, activityRegularizer: Regularizer(l2: 0.1)), rng: &rng)
            try m.build(inputShape: [6], rng: &rng)
            m.loss = .sparseCategoricalCrossentropy
            m.optimizer = Optimizer(rule: SGD(), learningRate: 0.1)
            m.allowFoldedNormalization = fast
            m.allowFusedUpdates = fast
            if fast {
                XCTAssertEqual(m.plan().foldAt, 1)
                XCTAssertEqual(m.plan().fusedSGDLayers, [1, 2])
            }
            let x = Check.random([10, 6], seed: 7, scale: 2)
            let t: [Float] = (0..<10).map { Float($0 % 3) }
            for _ in 0..<5 { _ = t.withUnsafeBufferPointer { m.trainStep(x, targets: $0.baseAddress!, rng: &rng) } }
            return m.parameters.map { $0.value.array }
        }
        let a = try train(fast: true), b = try train(fast: false)
        for (x, y) in zip(a, b) { Check.close(x, y, rel: 1e-5, abs: 1e-6) }
    }

    /// The penalty is the regularizer over the batch divided by its size, so
    /// evaluate's loss does not depend on how the split is batched.
    func testEvaluateDoesNotDependOnTheBatchSize() throws {
        let m = try model()
        let whole = m.evaluate(split, batchSize: 4).loss
        for bs in [1, 2, 3] { XCTAssertEqual(m.evaluate(split, batchSize: bs).loss, whole, accuracy: 1e-6, "batch size \(bs)") }
        var rng = RandomGenerator(seed: 0)
        _ = m(x, mode: .inference, rng: &rng)
        let d = m.layers[0] as! Dense
        var sum: Double = 0
        for i in 0..<d.output.count { sum += Double(d.output[i]) * Double(d.output[i]) }
        XCTAssertEqual(Double(d.activityPenalty), 0.01 * sum / 4, accuracy: 1e-7)
    }

    /// Every gradient against central differences of the whole loss
    /// (cross-entropy plus the activity penalties), with a sigmoid in the
    /// middle so that l1's |y| has no kink nearby.
    func testGradientsMatchFiniteDifferences() throws {
        let m = try model(middle: .sigmoid)
        var rng = RandomGenerator(seed: 1)
        let r = targets.withUnsafeBufferPointer { m.computeGradients(x, targets: $0.baseAddress!, rng: &rng) }
        XCTAssertGreaterThan(r.penalty, 0)
        let analytic = m.parameters.map { $0.gradient.array }
        func loss() -> Double {
            var rng = RandomGenerator(seed: 1)
            let out = m(x, mode: .training, rng: &rng)
            let data = targets.withUnsafeBufferPointer { m.loss!.compute(output: out, targets: $0.baseAddress!, gradient: nil, fused: false) }
            return Double(data) + Double(m.activityPenalty)
        }
        let eps: Float = 1e-2
        for (p, g) in zip(m.parameters, analytic) {
            for i in 0..<p.value.count {
                let old = p.value[i]
                p.value[i] = old + eps; let up = loss()
                p.value[i] = old - eps; let down = loss()
                p.value[i] = old
                let numeric = Float((up - down) / Double(2 * eps))
                XCTAssertEqual(g[i], numeric, accuracy: 2e-4 + 1e-2 * abs(numeric), "\(p.path)[\(i)]")
            }
        }
        // And the activity part alone is what moved them: without it the gradients differ.
        let plainModel = Sequential()
        var rng2 = RandomGenerator(seed: 1)
        try plainModel.add(Dense(units: 4, activation: .tanh), rng: &rng2)
        try plainModel.add(Dense(units: 3, activation: .sigmoid), rng: &rng2)
        try plainModel.add(Dense(units: 2, activation: .softmax), rng: &rng2)
        try plainModel.build(inputShape: [3], rng: &rng2)
        for (p, w) in zip(plainModel.parameters, weights) { p.value.assign(Tensor(shape: p.value.shape, values: w)) }
        plainModel.loss = .sparseCategoricalCrossentropy
        _ = targets.withUnsafeBufferPointer { plainModel.computeGradients(x, targets: $0.baseAddress!, rng: &rng2) }
        XCTAssertNotEqual(plainModel.parameters[0].gradient.array, analytic[0])
    }
}
