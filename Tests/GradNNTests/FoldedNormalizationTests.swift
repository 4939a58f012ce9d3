import Foundation
@testable import GradNN
import GradTensor
import TestSupport
import XCTest

/// The folded backward pass of a BatchNormalization followed by a Dense layer
/// (`AffineInput`): dγ, dβ and the kernel gradient without the input-gradient
/// product, checked against the reference path and against finite differences.
final class FoldedNormalizationTests: XCTestCase {
    /// BatchNormalization(center:scale:) → Dense(8, elu, bias?) → [BatchNormalization →] Dense(3, softmax).
    func model(center: Bool = true, scale: Bool = true, bias: Bool = true, deep: Bool = true) throws -> Sequential {
        var rng = RandomGenerator(seed: 21)
        let m = Sequential()
        try m.add(BatchNormalization(center: center, scale: scale), rng: &rng)
        if deep {
            try m.add(Dense(units: 8, activation: .elu(alpha: 1), useBias: bias, kernelInitializer: .named("he_normal")!), rng: &rng)
            try m.add(BatchNormalization(), rng: &rng)
        }
        try m.add(Dense(units: 3, activation: .softmax, useBias: bias), rng: &rng)
        try m.build(inputShape: [12], rng: &rng)
        // γ and β away from 1 and 0, so that both terms of the fold count.
        for l in m.layers { if let bn = l as? BatchNormalization {
            if let g = bn.gamma { for i in 0..<g.count { g.value[i] = 0.5 + Float(i % 5) * 0.3 } }
            if let b = bn.beta { for i in 0..<b.count { b.value[i] = Float(i % 4) * 0.2 - 0.3 } }
        } }
        m.loss = .sparseCategoricalCrossentropy
        m.optimizer = Optimizer(rule: SGD(), learningRate: 0.05)
        return m
    }

    let x = Check.random([16, 12], seed: 5, scale: 2)
    let targets: [Float] = (0..<16).map { Float($0 % 3) }

    func gradients(_ m: Sequential, folded: Bool) -> [[Float]] {
        m.allowFoldedNormalization = folded
        var rng = RandomGenerator(seed: 1)
        _ = targets.withUnsafeBufferPointer { m.computeGradients(x, targets: $0.baseAddress!, rng: &rng) }
        return m.parameters.filter(\.trainable).map { $0.gradient.array }
    }

    func testGradientsMatchTheReferencePath() throws {
        for (center, scale, bias, deep) in [(true, true, true, true), (false, true, true, true), (true, false, false, true),
                                            (true, true, true, false), (true, true, false, false)] {
            let what = "center=\(center) scale=\(scale) bias=\(bias) deep=\(deep)"
            let folded = gradients(try model(center: center, scale: scale, bias: bias, deep: deep), folded: true)
            let reference = gradients(try model(center: center, scale: scale, bias: bias, deep: deep), folded: false)
            XCTAssertEqual(folded.count, reference.count)
            for (a, b) in zip(folded, reference) { Check.close(a, b, rel: 1e-5, abs: 1e-6, what) }
            // The fold must have produced non-trivial γ/β gradients, not left them alone.
            XCTAssertGreaterThan(folded[0].map(abs).max()!, 1e-3, what)
        }
    }

    /// dγ and dβ of the first layer against central differences of the loss.
    func testFoldedGradientsMatchFiniteDifferences() throws {
        let m = try model()
        let analytic = gradients(m, folded: true)
        let bn = m.layers[0] as! BatchNormalization
        func loss() -> Double {
            var rng = RandomGenerator(seed: 1)
            let out = m(x, mode: .training, rng: &rng)
            return Double(targets.withUnsafeBufferPointer { m.loss!.compute(output: out, targets: $0.baseAddress!, gradient: nil, fused: false) })
        }
        let eps: Float = 1e-2
        for (p, g) in [(bn.gamma!, analytic[0]), (bn.beta!, analytic[1])] {
            for i in 0..<p.count {
                let old = p.value[i]
                p.value[i] = old + eps; let up = loss()
                p.value[i] = old - eps; let down = loss()
                p.value[i] = old
                let numeric = Float((up - down) / Double(2 * eps))
                XCTAssertEqual(g[i], numeric, accuracy: 2e-3 + 2e-2 * abs(numeric), "\(p.path)[\(i)]")
            }
        }
    }

    /// Training with the fused SGD update through the fold stays with the
    /// reference path (gradients, then the optimizer), to 1e-5.
    func testFusedSGDThroughTheFoldMatchesTheReferencePath() throws {
        func train(fast: Bool) throws -> [[Float]] {
            let m = try model()
            m.allowFoldedNormalization = fast
            m.allowFusedUpdates = fast
            var rng = RandomGenerator(seed: 2)
            for _ in 0..<20 { _ = targets.withUnsafeBufferPointer { m.trainStep(x, targets: $0.baseAddress!, rng: &rng) } }
            return m.parameters.map { $0.value.array }
        }
        let a = try train(fast: true), b = try train(fast: false)
        for (x, y) in zip(a, b) { Check.close(x, y, rel: 1e-5, abs: 1e-6) }
        XCTAssertNotEqual(a[0], try model().parameters[0].value.array, "γ moved")
    }

    /// The row pass against plain loops, on a width that is not a multiple of 8.
    func testFoldAffineRowsByHand() {
        let (rows, cols) = (5, 11)
        let w = Check.random([rows, cols], seed: 1), g = Check.random([rows, cols], seed: 2)
        let s = Check.random([1, cols], seed: 3), gamma = Check.random([1, rows], seed: 4), beta = Check.random([1, rows], seed: 5)
        let (dg, db) = (Tensor(zeros: [rows]), Tensor(zeros: [rows]))
        let (w0, g0) = (w.array, g.array)
        Vectorized.foldAffineRows(kernel: w.data, gradient: g.data, rows: 0..<rows, cols: cols, columnSums: s.data,
                                  gamma: gamma.data, beta: beta.data, gammaGradient: dg.data, betaGradient: db.data, rate: nil)
        for j in 0..<rows {
            var dot: Double = 0, sum: Double = 0
            for k in 0..<cols {
                dot += Double(w0[j * cols + k]) * Double(g0[j * cols + k])
                sum += Double(w0[j * cols + k]) * Double(s[k])
                XCTAssertEqual(g[j * cols + k], gamma[j] * g0[j * cols + k] + beta[j] * s[k], accuracy: 1e-6)
            }
            XCTAssertEqual(Double(dg[j]), dot, accuracy: 1e-5)
            XCTAssertEqual(Double(db[j]), sum, accuracy: 1e-5)
        }
        XCTAssertEqual(w.array, w0, "no rate: the kernel is left alone")
        let w2 = Tensor(shape: [rows, cols], values: w0), g2 = Tensor(shape: [rows, cols], values: g0)
        Vectorized.foldAffineRows(kernel: w2.data, gradient: g2.data, rows: 0..<rows, cols: cols, columnSums: s.data,
                                  gamma: gamma.data, beta: beta.data, gammaGradient: dg.data, betaGradient: db.data, rate: 0.1)
        XCTAssertEqual(g2.array, g0, "with a rate the gradient buffer is left alone")
        for i in 0..<(rows * cols) { XCTAssertEqual(w2[i], w0[i] - 0.1 * g[i], accuracy: 1e-6) }
    }
}
