import Foundation
@testable import GradNN
import GradTensor
import TestSupport
import XCTest

/// Finite-difference gradient checks for every layer and activation.
final class LayerTests: XCTestCase {
    func built<L: Layer>(_ l: L, _ inputShape: [Int], seed: UInt64 = 3) -> L {
        var rng = RandomGenerator(seed: seed)
        try! l.build(inputShape: inputShape, rng: &rng)
        return l
    }

    func testDenseGradientsForEveryActivation() {
        let acts: [Activation] = [.linear, .sigmoid, .tanh, .relu, .leakyRelu(alpha: 0.2), .elu(alpha: 1), .selu, .softmax]
        for act in acts {
            let d = built(Dense(units: 4, activation: act, biasInitializer: .constant(0.1)), [5])
            Check.gradients(of: d, input: Check.random([3, 5], seed: 11))
        }
    }

    func testBatchNormalizationGradientsInTrainingAndInference() {
        let bn = built(BatchNormalization(), [4])
        bn.gamma!.value.assign(Tensor(shape: [4], values: [1.5, 0.5, 2, 1]))
        bn.beta!.value.assign(Tensor(shape: [4], values: [0.1, -0.2, 0.3, 0]))
        Check.gradients(of: bn, input: Check.random([6, 4], seed: 12, scale: 2))
        Check.gradients(of: bn, input: Check.random([6, 4], seed: 13), mode: .inference)
    }

    func testBatchNormalizationMovingStatisticsFollowKeras() {
        // moving = moving·momentum + batch·(1 − momentum), batch variance biased.
        let bn = built(BatchNormalization(momentum: 0.9), [2])
        let x = Tensor(shape: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8])
        var rng = RandomGenerator(seed: 0)
        _ = bn(x, mode: .training, rng: &rng)
        // column 0: mean 4, biased variance 5; column 1: mean 5, variance 5
        Check.close(bn.movingMean.value.array, [0.4, 0.5])
        Check.close(bn.movingVariance.value.array, [0.9 + 0.5, 0.9 + 0.5])
        _ = bn(x, mode: .inference, rng: &rng)
        Check.close(bn.movingMean.value.array, [0.4, 0.5], "inference does not update")
        XCTAssertEqual(bn.parameters.map(\.path), ["batch_normalization/gamma", "batch_normalization/beta",
                                                   "batch_normalization/moving_mean", "batch_normalization/moving_variance"])
        XCTAssertEqual(bn.parameters.map(\.trainable), [true, true, false, false])
    }

    func testMonteCarloModeKeepsBatchNormInInference() {
        let bn = built(BatchNormalization(), [3])
        var rng = RandomGenerator(seed: 0)
        let before = bn.movingMean.value.array
        _ = bn(Check.random([8, 3], seed: 4, scale: 5), mode: .monteCarlo, rng: &rng)
        XCTAssertEqual(bn.movingMean.value.array, before)
    }

    func testDropoutScalesSurvivorsAndIsOffAtInference() {
        let d = built(Dropout(rate: 0.25), [1000])
        var rng = RandomGenerator(seed: 1)
        let x = Tensor(repeating: 1, shape: [10, 1000])
        let y = d(x, mode: .training, rng: &rng)
        let first = y.array  // the layer's output buffer is reused by the next pass
        let zeros = y.array.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / 10_000, 0.25, accuracy: 0.02)
        XCTAssertTrue(y.array.allSatisfy { $0 == 0 || abs($0 - 4.0 / 3) < 1e-6 })
        XCTAssertTrue(d(x, mode: .inference, rng: &rng) === x)
        // backward multiplies by the last pass's factors (recomputed from its key, no mask kept), exactly
        let factors = d(x, mode: .training, rng: &rng).array
        let g0 = Check.random([10, 1000], seed: 3, scale: 1)
        let g = d.backward(g0, needsInputGradient: true)
        XCTAssertTrue(g.array == zip(g0.array, factors).map { $0 * $1 }, "backward's factors are not the forward pass's")
        XCTAssertTrue(factors != first, "a new pass draws new factors")
    }

    func testAlphaDropoutKeepsMeanAndVariance() {
        let d = built(AlphaDropout(rate: 0.1), [2000])
        var rng = RandomGenerator(seed: 9)
        let x = Tensor(zeros: [50, 2000])
        for i in 0..<x.count { x[i] = rng.normal() }
        let y = d(x, mode: .training, rng: &rng)
        let s = Statistics(y)
        XCTAssertEqual(s.mean, 0, accuracy: 0.02)
        XCTAssertEqual(s.std, 1, accuracy: 0.03)
    }

    func testPReLUAndRReLUAndActivationLayerAndResidualGradients() throws {
        let p = built(PReLU(), [5])
        for i in 0..<5 { p.alpha.value[i] = 0.1 * Float(i) }
        Check.gradients(of: p, input: Check.random([4, 5], seed: 21))
        Check.gradients(of: built(try RReLU(), [5]), input: Check.random([4, 5], seed: 22), mode: .inference)
        Check.gradients(of: built(ActivationLayer(.elu(alpha: 0.5)), [5]), input: Check.random([4, 5], seed: 23))
        Check.gradients(of: built(Residual(Dense(units: 5, activation: .tanh)), [5]), input: Check.random([4, 5], seed: 24))
    }

    func testLossGradientsMatchFiniteDifferences() {
        let targets: [Float] = [2, 0, 1]
        for loss in Loss.allCases {
            let c = loss == .binaryCrossentropy ? 1 : 3
            let t: [Float] = loss == .binaryCrossentropy ? [1, 0, 1] : targets
            let out = Tensor(zeros: [3, c])
            var rng = RandomGenerator(seed: 3)
            for i in 0..<out.count { out[i] = 0.1 + 0.8 * rng.uniform() }
            let g = Tensor(zeros: [0])
            _ = t.withUnsafeBufferPointer { loss.compute(output: out, targets: $0.baseAddress!, gradient: g, fused: false) }
            for i in 0..<out.count {
                let old = out[i], eps: Float = 1e-3
                out[i] = old + eps
                let up = t.withUnsafeBufferPointer { loss.compute(output: out, targets: $0.baseAddress!, gradient: nil, fused: false) }
                out[i] = old - eps
                let down = t.withUnsafeBufferPointer { loss.compute(output: out, targets: $0.baseAddress!, gradient: nil, fused: false) }
                out[i] = old
                XCTAssertEqual(g[i], (up - down) / (2 * eps), accuracy: 2e-2 * max(1, abs(g[i])), "\(loss) [\(i)]")
            }
        }
    }

    func testFusedSoftmaxCrossEntropyEqualsChainRule() {
        var rng = RandomGenerator(seed: 1)
        let d1 = Dense(units: 4, activation: .softmax), d2 = Dense(units: 4, activation: .softmax)
        try! d1.build(inputShape: [3], rng: &rng)
        var rng2 = RandomGenerator(seed: 1)
        try! d2.build(inputShape: [3], rng: &rng2)
        let x = Check.random([5, 3], seed: 2)
        let targets: [Float] = [0, 3, 1, 2, 2]
        let y1 = d1(x, mode: .training, rng: &rng), y2 = d2(x, mode: .training, rng: &rng)
        let g1 = Tensor(zeros: [0]), g2 = Tensor(zeros: [0])
        _ = targets.withUnsafeBufferPointer { Loss.sparseCategoricalCrossentropy.compute(output: y1, targets: $0.baseAddress!, gradient: g1, fused: true) }
        _ = targets.withUnsafeBufferPointer { Loss.sparseCategoricalCrossentropy.compute(output: y2, targets: $0.baseAddress!, gradient: g2, fused: false) }
        let a = d1.backward(preActivationGradient: g1, needsInputGradient: true).copy()
        let b = d2.backward(g2, needsInputGradient: true).copy()
        Check.close(a.array, b.array, rel: 1e-4, abs: 1e-6)
        Check.close(d1.kernel.gradient.array, d2.kernel.gradient.array, rel: 1e-4, abs: 1e-6)
    }

    func testInitializerStatisticsFollowKerasFormulas() {
        var rng = RandomGenerator(seed: 42)
        for name in ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "random_normal", "random_uniform"] {
            let initializer = Initializer.named(name)!
            let t = Tensor(zeros: [784, 300])
            initializer.fill(t, rng: &rng)
            let s = Statistics(t)
            // Keras' expected std: sqrt(scale / n) for variance scaling, by formula not by our code path.
            let expected: Double
            switch name {
            case "glorot_uniform", "glorot_normal": expected = (2.0 / (784 + 300)).squareRoot()
            case "he_normal", "he_uniform": expected = (2.0 / 784).squareRoot()
            case "lecun_normal", "lecun_uniform": expected = (1.0 / 784).squareRoot()
            case "random_normal": expected = 0.05
            default: expected = 0.1 / 12.0.squareRoot()
            }
            XCTAssertEqual(s.std, expected, accuracy: 0.01 * expected, name)
            XCTAssertEqual(s.mean, 0, accuracy: 0.01 * expected + 1e-4, name)
        }
        let vs = Initializer.varianceScaling(scale: 2, mode: .fanAvg, distribution: .uniform, name: nil)
        let t = Tensor(zeros: [784, 300])
        vs.fill(t, rng: &rng)
        XCTAssertEqual(Statistics(t).std, (2.0 / 542).squareRoot(), accuracy: 0.01 * (2.0 / 542).squareRoot())
        XCTAssertEqual(Statistics(t).max, (6.0 / 542).squareRoot(), accuracy: 1e-3)
    }

    func testClippingOnTheNotesExample() {
        let g = Tensor(shape: [2], values: [100, 1])
        Clipping(clipValue: 1).apply([g])
        XCTAssertEqual(g.array, [1, 1])
        let h = Tensor(shape: [2], values: [100, 1])
        Clipping(clipNorm: 1).apply([h])
        // 100/sqrt(10001) and 1/sqrt(10001), by hand
        Check.close(h.array, [0.99995000375, 0.0099995000375])
    }

    func testSGDMomentumByHand() {
        // Keras: m = 0.9·m − 0.1·g; w += m   → with g = 1 twice: m1 = −0.1, w1 = 0.9; m2 = −0.19, w2 = 0.71
        let p = Parameter(name: "w", layerName: "t", shape: [1])
        p.value[0] = 1
        let opt = Optimizer(rule: SGD(momentum: 0.9), learningRate: 0.1)
        p.gradient[0] = 1; opt.update([p])
        XCTAssertEqual(p.value[0], 0.9, accuracy: 1e-6)
        p.gradient[0] = 1; opt.update([p])
        XCTAssertEqual(p.value[0], 0.71, accuracy: 1e-6)
        // Nesterov: w += 0.9·m − 0.1·g → step 1: m = −0.1, w = 1 − 0.09 − 0.1 = 0.81
        let q = Parameter(name: "w", layerName: "t", shape: [1])
        q.value[0] = 1
        let nest = Optimizer(rule: SGD(momentum: 0.9, nesterov: true), learningRate: 0.1)
        q.gradient[0] = 1; nest.update([q])
        XCTAssertEqual(q.value[0], 0.81, accuracy: 1e-6)
    }

    func testFrozenParametersDoNotMove() {
        let p = Parameter(name: "w", layerName: "t", shape: [2])
        p.frozen = true
        p.gradient.fill(1)
        Optimizer(rule: Adam()).update([p])
        XCTAssertEqual(p.value.array, [0, 0])
    }
}

final class RegularizerSumTests: XCTestCase {
    /// The L2 penalty of a book-sized kernel (784 × 300) to float32 precision:
    /// a float32 running sum is off by about 1e-5 here, which shows in the
    /// loss' 4th decimal. The reference is the same float32 weights summed in Double.
    func testL2PenaltyOfALargeKernelIsAccurate() {
        let n = 784 * 300
        let w = Tensor(zeros: [784, 300])
        // w_i = 0.0123 · (i mod 7 − 3).
        for i in 0..<n { w[i] = Float(0.0123 * Double(i % 7 - 3)) }
        var exact = 0.0
        for i in 0..<n { let x = Double(Float(0.0123 * Double(i % 7 - 3))); exact += x * x }
        let got = Regularizer(l2: 0.01).penalty(w)
        XCTAssertEqual(Double(got), 0.01 * exact, accuracy: 0.01 * exact * 2e-7)
    }
}

final class MatrixInitializerTests: XCTestCase {
    /// Keras' Orthogonal: WᵀW = gain²·I for a tall kernel, WWᵀ = gain²·I for a wide one.
    func testOrthogonalKernelsAreOrthogonalTallAndWide() {
        var rng = RandomGenerator(seed: 9)
        for (rows, cols) in [(30, 7), (7, 30), (12, 12)] {
            let t = Tensor(zeros: [rows, cols])
            Initializer.orthogonal(gain: 2).fill(t, rng: &rng)
            let k = min(rows, cols)
            for a in 0..<k {
                for b in 0..<k {
                    var dot = 0.0
                    if rows >= cols { for r in 0..<rows { dot += Double(t[r * cols + a]) * Double(t[r * cols + b]) } }
                    else { for c in 0..<cols { dot += Double(t[a * cols + c]) * Double(t[b * cols + c]) } }
                    XCTAssertEqual(dot, a == b ? 4 : 0, accuracy: 1e-5, "\(rows)×\(cols) [\(a), \(b)]")
                }
            }
        }
    }

    func testIdentityIsGainOnTheDiagonalAndRefusedForABias() throws {
        let t = Tensor(zeros: [3, 5])
        var rng = RandomGenerator(seed: 1)
        Initializer.identity(gain: 0.5).fill(t, rng: &rng)
        XCTAssertEqual(t.array, [0.5, 0, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0, 0.5, 0, 0])
        XCTAssertEqual(try Initializer(ComponentCall(parsing: "orthogonal(gain=2)")), .orthogonal(gain: 2))
        XCTAssertThrowsError(try Dense.spec.make(["units": .int(3), "bias_initializer": .initializer(.identity(gain: 1))], name: "d"))
    }
}
