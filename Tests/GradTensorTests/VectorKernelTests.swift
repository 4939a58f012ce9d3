import CGemm
import XCTest
@testable import GradTensor

/// The fold's row pass and ELU run in CGemm, vectorised for the kernel path in
/// use; on every path they must give the bits of the Swift SIMD8 loops they
/// replaced (written out here as the reference).
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

    /// ELU as the SIMD8 formula, with `Vectorized.exp`.
    func referenceElu(_ x: V, alpha: Float, scale: Float) -> V {
        let neg = alpha * scale * (Vectorized.exp(x.replacing(with: 0, where: x .> 0)) - 1)
        return (x * scale).replacing(with: neg, where: x .<= 0)
    }

    func testEluGivesTheSIMD8FormulasBitsOnEveryPath() {
        // A spread of every sign and exponent, the clamps' edges, zeros, infinities and NaN.
        var inputs = stride(from: UInt32(0), to: UInt32.max - 4099, by: 4099).map { Float(bitPattern: $0) }
        inputs += [0, -0, .infinity, -.infinity, .nan, -87.3, -87.4, 88.7, 88.8, -1e-45, .leastNormalMagnitude]
        let n = inputs.count
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
}
