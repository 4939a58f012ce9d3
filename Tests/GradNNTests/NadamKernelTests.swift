import CGemm
import XCTest
@testable import GradNN
import GradTensor

/// Nadam's update runs in CGemm's vectorised C loop; it must give the bits of
/// Keras' formula written out in Swift, on every kernel path, at every length
/// (vector bodies and scalar tails).
final class NadamKernelTests: XCTestCase {
    override func tearDown() { cgemm_set_path(2) }

    func testTheCLoopGivesTheSwiftFormulasBitsOnEveryPath() {
        let rule = Nadam()
        var scalars = [1.0]
        var rng = RandomGenerator(seed: 9)
        for step in 1...3 {
            let c = rule.prepare(step: Double(step), learningRate: 0.003, scalars: &scalars)
            for n in [1, 7, 8, 15, 16, 17, 33, 1000] {
                func random(_ scale: Float) -> [Float] { (0..<n).map { _ in (rng.uniform() - 0.5) * scale } }
                let w0 = random(2), g0 = random(1), m0 = random(0.1), v0 = random(0.01).map(abs)
                // Keras' Nadam, one element at a time, in Swift (the reference).
                var (w, m, v) = (w0, m0, v0)
                let (b1, b2, eps) = (rule.beta1, rule.beta2, rule.epsilon)
                for i in 0..<n {
                    let gv = g0[i]
                    m[i] = m[i] + (gv - m[i]) * (1 - b1)
                    v[i] = v[i] + (gv * gv - v[i]) * (1 - b2)
                    let mHat = c.uT1 * m[i] / (1 - c.prodT1) + (1 - c.uT) * gv / (1 - c.prodT)
                    let vHat = v[i] / (1 - c.b2Power)
                    w[i] = w[i] - c.lr * mHat / (vHat.squareRoot() + eps)
                }
                for path: Int32 in [2, 1, 0] {
                    cgemm_set_path(path)
                    let (wt, gt) = (Tensor(shape: [n], values: w0), Tensor(shape: [n], values: g0))
                    let slots = [Tensor(shape: [n], values: m0), Tensor(shape: [n], values: v0)]
                    rule.apply(c, weights: wt.data, gradient: gt.data, slots: slots, offset: 0, count: n)
                    XCTAssertEqual(wt.array.map(\.bitPattern), w.map(\.bitPattern), "weights, path \(path), n \(n), step \(step)")
                    XCTAssertEqual(slots[0].array.map(\.bitPattern), m.map(\.bitPattern), "m, path \(path), n \(n)")
                    XCTAssertEqual(slots[1].array.map(\.bitPattern), v.map(\.bitPattern), "v, path \(path), n \(n)")
                }
            }
        }
    }
}
