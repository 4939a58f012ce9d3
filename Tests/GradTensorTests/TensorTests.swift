import CGemm
import Foundation
@testable import GradTensor
import TestSupport
import XCTest

final class TensorTests: XCTestCase {
    func testResizeKeepsCapacityAndCopyIsIndependent() {
        let t = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t.rows, 2)
        XCTAssertEqual(t.columns, 3)
        XCTAssertEqual(t[1, 2], 6)
        let c = t.copy()
        t[0] = 42
        XCTAssertEqual(c[0], 1)
        t.resize([1, 3])
        XCTAssertEqual(t.count, 3)
        XCTAssertEqual(t[0], 42, "shrinking keeps the buffer")
    }

    func testGemmMatchesNaiveProductWithTransposes() {
        let a = Check.random([4, 5], seed: 1), b = Check.random([5, 3], seed: 2)
        let c = Tensor(zeros: [4, 3])
        BLAS.matmul(a, b, into: c)
        var naive = [Float](repeating: 0, count: 12)
        for i in 0..<4 { for j in 0..<3 { for k in 0..<5 { naive[i * 3 + j] += a[i, k] * b[k, j] } } }
        Check.close(c.array, naive)
        // (Aᵀ)ᵀ·B via transposeA on a [5,4] copy of Aᵀ
        let at = Tensor(zeros: [5, 4])
        for i in 0..<4 { for k in 0..<5 { at[k, i] = a[i, k] } }
        let c2 = Tensor(zeros: [4, 3])
        BLAS.matmul(at, transposeA: true, b, into: c2)
        Check.close(c2.array, naive)
        let bt = Tensor(zeros: [3, 5])
        for k in 0..<5 { for j in 0..<3 { bt[j, k] = b[k, j] } }
        let c3 = Tensor(zeros: [4, 3])
        BLAS.matmul(a, bt, transposeB: true, into: c3)
        Check.close(c3.array, naive)
    }

    func testSameSeedSameNumbers() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let xa = (0..<100).map { _ in a.uniform() }, xb = (0..<100).map { _ in b.uniform() }, xc = (0..<100).map { _ in c.uniform() }
        XCTAssertEqual(xa, xb)
        XCTAssertNotEqual(xa, xc)
        XCTAssertTrue(xa.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    func testNormalAndTruncatedNormalMoments() {
        var r = RandomGenerator(seed: 5)
        let n = 200_000
        var s = 0.0, ss = 0.0, maxAbs: Float = 0
        for _ in 0..<n { let z = r.normal(); s += Double(z); ss += Double(z * z) }
        XCTAssertEqual(s / Double(n), 0, accuracy: 0.01)
        XCTAssertEqual(ss / Double(n), 1, accuracy: 0.01)
        s = 0; ss = 0
        for _ in 0..<n { let z = r.truncatedNormal(); s += Double(z); ss += Double(z * z); maxAbs = max(maxAbs, abs(z)) }
        XCTAssertLessThanOrEqual(maxAbs, 2)
        // Variance of N(0,1) truncated at ±2 is 0.87962566103423978² = 0.7737
        XCTAssertEqual(ss / Double(n), 0.87962566103423978 * 0.87962566103423978, accuracy: 0.01)
    }

    func testVectorizedExpMatchesLibm() {
        var xs: [Float] = []
        var x: Float = -80
        while x < 80 { xs.append(x); x += 0.37 }
        xs += [-1e-6, 0, 1e-6, -87.3, 88.0]
        let t = Tensor(shape: [xs.count], values: xs)
        // elu(x) with alpha 1 = x for x > 0, exp(x) − 1 otherwise
        Vectorized.elu(t.data, t.count, alpha: 1)
        for (i, v) in xs.enumerated() {
            let want = v > 0 ? v : expm1f(v)
            XCTAssertEqual(t[i], want, accuracy: 2e-7 * max(1, abs(want)), "elu(\(v))")
        }
        let s = Tensor(shape: [xs.count], values: xs)
        Vectorized.sigmoid(s.data, s.count)
        for (i, v) in xs.enumerated() { XCTAssertEqual(s[i], 1 / (1 + expf(-v)), accuracy: 1e-6) }
        let th = Tensor(shape: [xs.count], values: xs)
        Vectorized.tanh(th.data, th.count)
        for (i, v) in xs.enumerated() { XCTAssertEqual(th[i], tanhf(v), accuracy: 2e-6) }
    }

    func testStatistics() {
        let s = Statistics(Tensor(shape: [4], values: [1, 2, 3, 4]))
        XCTAssertEqual(s.mean, 2.5)
        XCTAssertEqual(s.std, 1.118033988749895, accuracy: 1e-9)
        XCTAssertEqual(s.min, 1)
        XCTAssertEqual(s.max, 4)
        XCTAssertEqual(s.norm, 30.0.squareRoot(), accuracy: 1e-9)
    }

    /// The fast kernels give exactly the numbers of the plain loops they replace.
    func testFusedKernelsMatchTheirReferenceLoops() {
        var rng = RandomGenerator(seed: 3)
        // A batch of byte rows, on every kernel path (a path the CPU lacks falls back).
        let pathBefore = cgemm_path()
        defer { cgemm_set_path(pathBefore) }
        for path: Int32 in [2, 1, 0] {
            cgemm_set_path(path)
            for f in [1, 7, 8, 9, 784, 1001] {
                let samples = 5, rows = [3, 0, 4, 3, 1, 2]
                let bytes = (0..<(samples * f)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                var fast = [Float](repeating: -1, count: rows.count * f)
                bytes.withUnsafeBufferPointer { b in rows.withUnsafeBufferPointer { r in fast.withUnsafeMutableBufferPointer { o in
                    cgemm_gather_bytes(b.baseAddress!, r.baseAddress!, rows.count, f, 1 / 255, o.baseAddress!)
                } } }
                XCTAssertEqual(fast, rows.flatMap { r in bytes[(r * f)..<((r + 1) * f)].map { Float($0) * (1 / 255) } }, "path \(path), f \(f)")
            }
        }
        for (rows, cols) in [(3, 5), (4, 16), (2, 19)] {
            let n = rows * cols
            let x = (0..<n).map { _ in Float.random(in: -2...2, using: &rng) }
            let shift = (0..<cols).map { _ in Float.random(in: -1...1, using: &rng) }
            let inv = (0..<cols).map { _ in Float.random(in: 0.5...2, using: &rng) }
            let gamma = (0..<cols).map { _ in Float.random(in: 0.5...2, using: &rng) }
            let beta = (0..<cols).map { _ in Float.random(in: -1...1, using: &rng) }
            var xh = [Float](repeating: 0, count: n), y = [Float](repeating: 0, count: n)
            x.withUnsafeBufferPointer { xp in xh.withUnsafeMutableBufferPointer { hp in y.withUnsafeMutableBufferPointer { yp in
                Vectorized.batchNormForward(xp.baseAddress!, normalized: hp.baseAddress!, into: yp.baseAddress!, rows: rows, cols: cols,
                                            columns: 0..<cols, shift: shift, invStd: inv, gamma: gamma, beta: beta)
            } } }
            for i in 0..<n {
                let j = i % cols
                let h = (x[i] + shift[j]) * inv[j]
                XCTAssertEqual(xh[i], h)
                XCTAssertEqual(y[i], h * gamma[j] + beta[j])
            }
        }
    }
}


/// Large products are computed as two column halves, one after the other or
/// side by side: the bits must not depend on which (so a choice made by timing
/// never changes training), and both must be right.
final class GemmSplitterTests: XCTestCase {
    override func tearDown() { Tuning.twoCores = nil }

    func testHalvesSideBySideGiveTheSameBitsAsOneAfterTheOther() {
        var rng = RandomGenerator(seed: 11)
        // (m, n, k) above the split threshold, odd widths included.
        for (m, n, k) in [(32, 300, 784), (37, 203, 611), (256, 100, 300)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = Tensor(zeros: ta ? [k, m] : [m, k]), b = Tensor(zeros: tb ? [n, k] : [k, n])
                for i in 0..<a.count { a[i] = Float.random(in: -1...1, using: &rng) }
                for i in 0..<b.count { b[i] = Float.random(in: -1...1, using: &rng) }
                XCTAssertGreaterThanOrEqual(m * n * k, Tuning.splitWork)
                var results: [[Float]] = []
                for mode in [false, true, false, true] {
                    Tuning.twoCores = mode
                    let c = Tensor(zeros: [m, n])
                    for i in 0..<c.count { c[i] = 0.5 }
                    BLAS.matmul(a, transposeA: ta, b, transposeB: tb, into: c, alpha: -0.7, beta: 1)
                    results.append(c.array)
                }
                XCTAssertEqual(results[0].map(\.bitPattern), results[1].map(\.bitPattern), "\(m)×\(n)×\(k) ta=\(ta) tb=\(tb)")
                XCTAssertEqual(results[1].map(\.bitPattern), results[3].map(\.bitPattern))
                // and right: against a plain triple loop in double
                for (r, col) in [(0, 0), (m - 1, n - 1), (m / 2, n / 2 + 1), (1, n - 9)] {
                    var s = 0.0
                    for q in 0..<k {
                        let x = Double(ta ? a[q * m + r] : a[r * k + q]), y = Double(tb ? b[col * k + q] : b[q * n + col])
                        s += x * y
                    }
                    XCTAssertEqual(Double(results[0][r * n + col]), 0.5 - 0.7 * s, accuracy: 1e-3, "(\(r), \(col))")
                }
            }
        }
    }
}

/// Element-wise halves: same bits whether they run one after the other or side by side.
final class ParallelHalvesTests: XCTestCase {
    override func tearDown() { Tuning.twoCores = nil }

    func testHalvesCoverEveryElementOnceWithTheSameBits() {
        for count in [Parallel.minimumElements + 13, 100_003] {
            var rng = RandomGenerator(seed: 5)
            let input = (0..<count).map { _ in Float.random(in: -6...6, using: &rng) }
            var results: [[UInt32]] = []
            for mode in [false, true] {
                Tuning.twoCores = mode
                var x = input
                x.withUnsafeMutableBufferPointer { b in
                    let p = b.baseAddress!
                    Parallel.halves(count, kind: .activation) { lo, hi in Vectorized.elu(p + lo, hi - lo, alpha: 1) }
                }
                results.append(x.map(\.bitPattern))
            }
            XCTAssertEqual(results[0], results[1], "count \(count)")
            var whole = input
            whole.withUnsafeMutableBufferPointer { Vectorized.elu($0.baseAddress!, count, alpha: 1) }
            XCTAssertEqual(results[0], whole.map(\.bitPattern), "the halves equal one pass over everything")
        }
    }
}
