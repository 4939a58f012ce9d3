import CGemm
import XCTest
@testable import GradTensor

/// BatchNormalization's column kernels run over half of the features on each
/// core, and its training passes in CGemm on the kernel path in use. Any split,
/// on any path, must give the bits of a plain loop that sums each column in
/// row order.
final class ColumnKernelTests: XCTestCase {
    override func tearDown() { cgemm_set_path(2) }

    func testEverySplitGivesThePlainLoopsBits() {
        var rng = RandomGenerator(seed: 7)
        let (epsilon, momentum): (Float, Float) = (0.001, 0.99)
        for (rows, cols) in [(1, 5), (3, 16), (32, 19), (32, 784), (5, 300), (7, 130)] {
            let n = rows * cols
            let a = (0..<n).map { _ in Float.random(in: -3...3, using: &rng) }
            let b = (0..<n).map { _ in Float.random(in: -3...3, using: &rng) }
            let v = (0..<5).map { _ in (0..<cols).map { _ in Float.random(in: 0.5...2, using: &rng) } }
            let invN = 1 / Float(rows)
            // The plain loops.
            var sums = [Float](repeating: 0, count: cols), dots = sums, mean = sums, variance = sums, invStd = sums
            var movingMean = v[3], movingVariance = v[4]
            for j in 0..<cols {
                for r in 0..<rows { sums[j] += a[r * cols + j]; dots[j] += a[r * cols + j] * b[r * cols + j] }
                mean[j] = sums[j] * invN
                var squares: Float = 0
                for r in 0..<rows { let c = a[r * cols + j] + -mean[j]; squares += c * c }
                variance[j] = squares * invN
                invStd[j] = 1 / (variance[j] + epsilon).squareRoot()
                movingMean[j] = movingMean[j] * momentum + mean[j] * (1 - momentum)
                movingVariance[j] = movingVariance[j] * momentum + variance[j] * (1 - momentum)
            }
            var normalized = [Float](repeating: 0, count: n), trained = normalized, shifted = normalized, forward = normalized
            var backward = normalized, scaled = normalized
            for i in 0..<n {
                let j = i % cols
                normalized[i] = (a[i] + -mean[j]) * invStd[j]
                trained[i] = normalized[i] * v[2][j] + v[3][j]
                shifted[i] = (a[i] + v[0][j]) * v[1][j]
                forward[i] = shifted[i] * v[2][j] + v[3][j]
                backward[i] = v[2][j] * v[1][j] * (a[i] + -invN * sums[j] + b[i] * (-invN * dots[j]))
                scaled[i] = a[i] * v[4][j] + v[0][j]
            }
            for path: Int32 in [2, 1, 0] {
                cgemm_set_path(path)
                for split in Set([0, 8, (cols / 2) / 8 * 8, cols / 8 * 8, cols]) where split <= cols {
                    var m = [Float](repeating: .nan, count: cols), vr = m, inv = m, sd = m, d = m
                    var (mm, mv) = (v[3], v[4])
                    var h = [Float](repeating: .nan, count: n), y = h, y2 = h, h2 = h, dx = h, z = h
                    for part in [0..<split, split..<cols] {
                        Vectorized.batchNormTraining(a, normalized: &h, into: &y, rows: rows, cols: cols, columns: part,
                                                     epsilon: epsilon, momentum: momentum, mean: &m, variance: &vr, invStd: &inv,
                                                     gamma: v[2], beta: v[3], movingMean: &mm, movingVariance: &mv)
                        Vectorized.batchNormForward(a, normalized: &h2, into: &y2, rows: rows, cols: cols, columns: part,
                                                    shift: v[0], invStd: v[1], gamma: v[2], beta: v[3])
                        Vectorized.batchNormGradients(a, b, into: &dx, rows: rows, cols: cols, columns: part,
                                                      gamma: v[2], invStd: v[1], sumDy: &sd, sumDyXh: &d)
                        Vectorized.scaleShiftRows(a, into: &z, rows: rows, cols: cols, columns: part, scale: v[4], shift: v[0])
                    }
                    let what = "\(rows)×\(cols) split at \(split), path \(path)"
                    XCTAssertEqual(m, mean, what); XCTAssertEqual(vr, variance, what); XCTAssertEqual(inv, invStd, what)
                    XCTAssertEqual(mm, movingMean, what); XCTAssertEqual(mv, movingVariance, what)
                    XCTAssertEqual(h, normalized, what); XCTAssertEqual(y, trained, what)
                    XCTAssertEqual(h2, shifted, what); XCTAssertEqual(y2, forward, what)
                    XCTAssertEqual(sd, sums, what); XCTAssertEqual(d, dots, what)
                    XCTAssertEqual(dx, backward, what); XCTAssertEqual(z, scaled, what)
                }
            }
            // Without dx, only the sums.
            var (sd, d) = ([Float](repeating: .nan, count: cols), [Float](repeating: .nan, count: cols))
            Vectorized.batchNormGradients(a, b, into: nil, rows: rows, cols: cols, columns: 0..<cols,
                                          gamma: v[2], invStd: v[1], sumDy: &sd, sumDyXh: &d)
            XCTAssertEqual(sd, sums); XCTAssertEqual(d, dots)
        }
    }
}
