import GradNN
import GradTensor
import XCTest

/// Shared assertions for gradlab's tests.
public enum Check {
    /// Asserts |a − b| ≤ abs + rel·max(|a|, |b|) elementwise.
    public static func close(_ a: [Float], _ b: [Float], rel: Float = 1e-5, abs: Float = 1e-6,
                             _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, "count differs \(message)", file: file, line: line)
        for (i, (x, y)) in zip(a, b).enumerated() where Swift.abs(x - y) > abs + rel * max(Swift.abs(x), Swift.abs(y)) {
            XCTFail("element \(i): \(x) vs \(y) \(message)", file: file, line: line)
            return
        }
    }

    /// A [rows, cols] tensor of reproducible values in [-scale, scale].
    public static func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        let t = Tensor(zeros: shape)
        for i in 0..<t.count { t[i] = scale * (2 * rng.uniform() - 1) }
        return t
    }

    /// Finite-difference check of a layer: compares the backward pass's input
    /// and parameter gradients of L = Σ w ⊙ layer(x) with central differences
    /// (in Double-accumulated float32, so tolerances are loose-ish).
    public static func gradients(of layer: Layer, input x: Tensor, mode: ForwardMode = .training,
                                 eps: Float = 1e-2, tolerance: Float = 2e-2,
                                 file: StaticString = #filePath, line: UInt = #line) {
        var rng = RandomGenerator(seed: 7)
        let out = layer(x, mode: mode, rng: &rng)
        let weights = random(out.shape, seed: 99)
        func loss() -> Double {
            var r = RandomGenerator(seed: 7)
            let y = layer(x, mode: mode, rng: &r)
            var s = 0.0
            for i in 0..<y.count { s += Double(y[i]) * Double(weights[i]) }
            return s
        }
        // Save non-trainable state (BN moving statistics) so repeated passes see the same layer.
        let saved = layer.parameters.map { $0.value.copy() }
        func restore() { for (p, v) in zip(layer.parameters, saved) { p.value.assign(v) } }
        restore()
        _ = loss()
        let gx = layer.backward(weights, needsInputGradient: true).copy()
        let paramGrads = layer.parameters.filter(\.trainable).map { $0.gradient.copy() }
        func compare(_ values: Tensor, _ analytic: Tensor, _ what: String) {
            for i in stride(from: 0, to: values.count, by: max(1, values.count / 25)) {
                let old = values[i]
                values[i] = old + eps; restore2(values, i, old + eps); let up = loss()
                values[i] = old - eps; restore2(values, i, old - eps); let down = loss()
                values[i] = old
                restore()
                let numeric = Float((up - down) / Double(2 * eps))
                let a = analytic[i]
                if Swift.abs(numeric - a) > tolerance * max(1, Swift.abs(numeric), Swift.abs(a)) {
                    XCTFail("\(what)[\(i)]: analytic \(a) vs numeric \(numeric) (\(layer.typeName))", file: file, line: line)
                    return
                }
            }
        }
        func restore2(_ values: Tensor, _ i: Int, _ v: Float) {
            restore()
            values[i] = v
        }
        compare(x, gx, "input gradient")
        for (p, g) in zip(layer.parameters.filter(\.trainable), paramGrads) { compare(p.value, g, p.path) }
    }
}
