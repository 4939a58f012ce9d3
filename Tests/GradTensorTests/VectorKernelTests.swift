import CGemm
import XCTest
@testable import GradTensor

/// The fold's row pass, ELU, sigmoid and tanh run in CGemm, vectorised for the
/// kernel path in use; on every path they must give the bits of the Swift
/// SIMD8 loops they replaced (written out here as the reference).
final class VectorKernelTests: XCTestCase {
    private var pathBefore: Int32 = 0
    override func setUp() { pathBefore = cgemm_path() }
    override func tearDown() { cgemm_set_path(pathBefore) }

    typealias V = SIMD8<Float>

    /// The SIMD8 row pass: lane i sums the columns i, i + 8, …, the lanes add
    /// up left to right, then the tail one column at a time.
    func referenceFold(w: inout [Float], g: inout [Float], rows: Int, cols: Int, s: [Float], gamma: [Float], beta: [Float],
                       gammaGradient: inout [Float], betaGradient: inout [Float], rate: Float?) {
        let step = -(rate ?? 0)
        for j in 0..<rows {
            var dots = V(repeating: 0), sums = V(repeating: 0)
            var k = 0
            while k + 8 <= cols {
                var wv = V(), gv = V(), sv = V()
                for i in 0..<8 { wv[i] = w[j * cols + k + i]; gv[i] = g[j * cols + k + i]; sv[i] = s[k + i] }
                dots = dots + wv * gv
                sums = sums + wv * sv
                let dw = gv * gamma[j] + sv * beta[j]
                for i in 0..<8 { if rate == nil { g[j * cols + k + i] = dw[i] } else { w[j * cols + k + i] = (wv + dw * step)[i] } }
                k += 8
            }
            var dot = dots.sum(), sum = sums.sum()
            while k < cols {
                let (wv, gv) = (w[j * cols + k], g[j * cols + k])
                dot += wv * gv
                sum += wv * s[k]
                let dw = gv * gamma[j] + s[k] * beta[j]
                if rate == nil { g[j * cols + k] = dw } else { w[j * cols + k] = wv + dw * step }
                k += 1
            }
            gammaGradient[j] = dot
            betaGradient[j] = sum
        }
    }

    func testFoldAffineRowsGivesTheSIMD8LoopsBitsOnEveryPath() {
        var rng = RandomGenerator(seed: 11)
        for (rows, cols) in [(1, 3), (5, 8), (6, 11), (9, 16), (4, 24), (7, 31), (13, 300), (3, 100)] {
            func random(_ n: Int, _ r: ClosedRange<Float>) -> [Float] { (0..<n).map { _ in Float.random(in: r, using: &rng) } }
            let w0 = random(rows * cols, -1...1), g0 = random(rows * cols, -3...3), s = random(cols, -2...2)
            let gamma = random(rows, 0.5...1.5), beta = random(rows, -0.5...0.5)
            for rate: Float? in [nil, 0.01] {
                var (w, g) = (w0, g0)
                var (dg, db) = ([Float](repeating: 0, count: rows), [Float](repeating: 0, count: rows))
                referenceFold(w: &w, g: &g, rows: rows, cols: cols, s: s, gamma: gamma, beta: beta,
                              gammaGradient: &dg, betaGradient: &db, rate: rate)
                for path: Int32 in [2, 1, 0] {
                    cgemm_set_path(path)
                    // Two calls, split at a row, as the two halves of the features.
                    var (wt, gt) = (w0, g0)
                    var (dgt, dbt) = ([Float](repeating: .nan, count: rows), [Float](repeating: .nan, count: rows))
                    for part in [0..<(rows / 2), (rows / 2)..<rows] {
                        Vectorized.foldAffineRows(kernel: &wt, gradient: &gt, rows: part, cols: cols, columnSums: s, gamma: gamma,
                                                  beta: beta, gammaGradient: &dgt, betaGradient: &dbt, rate: rate)
                    }
                    let what = "\(rows)×\(cols), rate \(String(describing: rate)), path \(path)"
                    XCTAssertEqual(wt.map(\.bitPattern), w.map(\.bitPattern), what)
                    XCTAssertEqual(gt.map(\.bitPattern), g.map(\.bitPattern), what)
                    XCTAssertEqual(dgt.map(\.bitPattern), dg.map(\.bitPattern), what)
                    XCTAssertEqual(dbt.map(\.bitPattern), db.map(\.bitPattern), what)
                }
            }
        }
    }

    /// Cephes' e^x as the SIMD8 formula `Vectorized.exp` was.
    func referenceExp(_ xIn: V) -> V {
        var x = xIn.replacing(with: -87.3, where: xIn .< -87.3)
        x.replace(with: 88.7, where: x .> 88.7)
        let magic = V(repeating: 12_582_912)
        let shifted = x * 1.44269504088896341 + magic
        let fx = shifted - magic
        x = x - fx * 0.693359375 + fx * 2.12194440e-4
        var y = V(repeating: 1.9875691500e-4)
        y = y * x + 1.3981999507e-3
        y = y * x + 8.3334519073e-3
        y = y * x + 4.1665795894e-2
        y = y * x + 1.6666665459e-1
        y = y * x + 5.0000001201e-1
        y = y * x * x + x + 1
        let n = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        return y * unsafeBitCast((n &+ 127) &<< 23, to: V.self)
    }

    /// ELU as the SIMD8 formula.
    func referenceElu(_ x: V, alpha: Float, scale: Float) -> V {
        let neg = alpha * scale * (referenceExp(x.replacing(with: 0, where: x .> 0)) - 1)
        return (x * scale).replacing(with: neg, where: x .<= 0)
    }

    /// A spread of every sign and exponent, the clamps' edges, zeros, infinities and NaN.
    var spreadOfInputs: [Float] {
        stride(from: UInt32(0), to: UInt32.max - 4099, by: 4099).map { Float(bitPattern: $0) }
            + [0, -0, .infinity, -.infinity, .nan, -87.3, -87.4, 88.7, 88.8, 40, -40, 43.6, -43.7, -1e-45, .leastNormalMagnitude]
    }

    /// `f` applied by blocks of 8 lanes, as `Vectorized.map` did.
    func bySIMD8(_ inputs: [Float], _ f: (V) -> V) -> [Float] {
        var out = inputs
        for i in stride(from: 0, to: inputs.count, by: 8) {
            var x = V(repeating: 0)
            for l in 0..<min(8, inputs.count - i) { x[l] = inputs[i + l] }
            let y = f(x)
            for l in 0..<min(8, inputs.count - i) { out[i + l] = y[l] }
        }
        return out
    }

    func testSigmoidAndTanhGiveTheSIMD8FormulasBitsOnEveryPath() {
        let inputs = spreadOfInputs, n = inputs.count
        let sigmoid = bySIMD8(inputs) { x in 1 / (1 + self.referenceExp(-x)) }
        let tanh = bySIMD8(inputs) { x in
            var c = x.replacing(with: -40, where: x .< -40)
            c.replace(with: 40, where: c .> 40)
            let e = self.referenceExp(-2 * c)
            return (1 - e) / (1 + e)
        }
        for path: Int32 in [2, 1, 0] {
            cgemm_set_path(path)
            var (s, t) = (inputs, inputs)
            Vectorized.sigmoid(&s, n)
            Vectorized.tanh(&t, n)
            // NaN in, NaN out: compare NaNs as equal whatever their payload.
            XCTAssertEqual(s.map { $0.isNaN ? 0x7fc0_0000 : $0.bitPattern }, sigmoid.map { $0.isNaN ? 0x7fc0_0000 : $0.bitPattern }, "sigmoid, path \(path)")
            XCTAssertEqual(t.map { $0.isNaN ? 0x7fc0_0000 : $0.bitPattern }, tanh.map { $0.isNaN ? 0x7fc0_0000 : $0.bitPattern }, "tanh, path \(path)")
        }
    }

    func testEluGivesTheSIMD8FormulasBitsOnEveryPath() {
        let inputs = spreadOfInputs, n = inputs.count
        let grads = (0..<n).map { Float(($0 % 1001) - 500) * 0.0137 }
        // ELU, and SELU with its constants.
        for (alpha, scale) in [(Float(1), Float(1)), (Float(1.6732632423543772848170429916717), Float(1.0507009873554804934193349852946))] {
            var expected = [Float](repeating: 0, count: n), expectedGrad = expected
            for i in stride(from: 0, to: n, by: 8) {
                var x = V(repeating: 0)
                for l in 0..<min(8, n - i) { x[l] = inputs[i + l] }
                let y = referenceElu(x, alpha: alpha, scale: scale)
                for l in 0..<min(8, n - i) { expected[i + l] = y[l] }
            }
            for i in 0..<n {
                let (y, g) = (inputs[i], grads[i])
                expectedGrad[i] = y <= 0 ? g * (y + alpha * scale) : g * scale
            }
            for path: Int32 in [2, 1, 0] {
                cgemm_set_path(path)
                var y = inputs, g = grads
                Vectorized.elu(&y, n, alpha: alpha, scale: scale)
                Vectorized.eluBackward(inputs, &g, n, alpha: alpha, scale: scale)
                XCTAssertEqual(y.map(\.bitPattern), expected.map(\.bitPattern), "elu(\(alpha), \(scale)), path \(path)")
                XCTAssertEqual(g.map(\.bitPattern), expectedGrad.map(\.bitPattern), "elu'(\(alpha), \(scale)), path \(path)")
            }
        }
    }

    /// Dropout's factors, written out from cgemm.h's formula (Wellons' lowbias32, twice, on the
    /// element's counter): the same on every path, and split into two calls or not.
    func testDropoutGivesTheCounterHashFactorsOnEveryPath() {
        func lowbias32(_ v: UInt32) -> UInt32 {
            var x = v
            x ^= x >> 16; x = x &* 0x7FEB_352D; x ^= x >> 15; x = x &* 0x846C_A68B; x ^= x >> 16
            return x
        }
        let n = 1_000 + 7, rate: Float = 0.3, key: UInt64 = 0x0123_4567_89AB_CDEF
        let threshold = UInt32(Double(rate) * 16_777_216), keep = 1 / (1 - rate)
        let (k1, k2) = (UInt32(truncatingIfNeeded: key), UInt32(truncatingIfNeeded: key >> 32))
        let x = (0..<n).map { Float($0 % 17) - 8.5 }
        let factors = (0..<n).map { i -> Float in lowbias32(lowbias32(UInt32(i) ^ k1) &+ k2) >> 8 >= threshold ? keep : 0 }
        let expected = zip(x, factors).map { $0 * $1 }
        XCTAssertEqual(Double(factors.filter { $0 == 0 }.count) / Double(n), Double(rate), accuracy: 0.05)
        for path: Int32 in [2, 1, 0] {
            cgemm_set_path(path)
            var (y, y2) = ([Float](repeating: .nan, count: n), [Float](repeating: .nan, count: n))
            x.withUnsafeBufferPointer { xp in
                cgemm_dropout(xp.baseAddress!, &y, n, 0, threshold, keep, key)
                // two calls, the second with its `first`: the same as one
                y2.withUnsafeMutableBufferPointer { out in
                    cgemm_dropout(xp.baseAddress!, out.baseAddress!, 400, 0, threshold, keep, key)
                    cgemm_dropout(xp.baseAddress! + 400, out.baseAddress! + 400, n - 400, 400, threshold, keep, key)
                }
            }
            XCTAssertEqual(y.map(\.bitPattern), expected.map(\.bitPattern), "y, path \(path)")
            XCTAssertEqual(y2.map(\.bitPattern), expected.map(\.bitPattern), "y in two calls, path \(path)")
        }
    }
}
