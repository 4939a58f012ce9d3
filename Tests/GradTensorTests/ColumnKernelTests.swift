import XCTest
@testable import GradTensor

/// BatchNormalization's column kernels run over half of the features on each
/// core. Any split must give the bits of one pass over all the columns, and
/// both must equal a plain loop that sums each column in row order.
final class ColumnKernelTests: XCTestCase {
    func testEverySplitGivesThePlainLoopsBits() {
        var rng = RandomGenerator(seed: 7)
        for (rows, cols) in [(1, 5), (3, 16), (32, 19), (32, 784), (5, 300)] {
            let n = rows * cols
            let a = (0..<n).map { _ in Float.random(in: -3...3, using: &rng) }
            let b = (0..<n).map { _ in Float.random(in: -3...3, using: &rng) }
            let v = (0..<5).map { _ in (0..<cols).map { _ in Float.random(in: 0.5...2, using: &rng) } }
            // The plain loops.
            var sums = [Float](repeating: 0, count: cols), squares = sums, dots = sums
            for j in 0..<cols {
                for r in 0..<rows {
                    let x = a[r * cols + j]
                    sums[j] += x
                    let c = x + v[0][j]
                    squares[j] += c * c
                    dots[j] += x * b[r * cols + j]
                }
            }
            var normalized = [Float](repeating: 0, count: n), forward = normalized, backward = normalized, scaled = normalized
            for i in 0..<n {
                let j = i % cols
                normalized[i] = (a[i] + v[0][j]) * v[1][j]
                forward[i] = normalized[i] * v[2][j] + v[3][j]
                backward[i] = v[1][j] * (a[i] + v[2][j] + b[i] * v[3][j])
                scaled[i] = a[i] * v[4][j] + v[0][j]
            }
            for split in Set([0, 8, (cols / 2) / 8 * 8, cols / 8 * 8, cols]) where split <= cols {
                var s = [Float](repeating: .nan, count: cols), q = s, sd = s, d = s
                var h = [Float](repeating: .nan, count: n), y = h, dx = h, z = h
                for part in [0..<split, split..<cols] {
                    Vectorized.columnSums(a, rows: rows, cols: cols, columns: part, into: &s)
                    Vectorized.columnSumsOfSquares(a, rows: rows, cols: cols, columns: part, shift: v[0], into: &q)
                    Vectorized.columnSumsAndDots(a, b, rows: rows, cols: cols, columns: part, sums: &sd, dots: &d)
                    Vectorized.batchNormForward(a, normalized: &h, into: &y, rows: rows, cols: cols, columns: part,
                                                shift: v[0], invStd: v[1], gamma: v[2], beta: v[3])
                    Vectorized.batchNormBackward(a, b, into: &dx, rows: rows, cols: cols, columns: part,
                                                 scale: v[1], meanDy: v[2], meanDyXh: v[3])
                    Vectorized.scaleShiftRows(a, into: &z, rows: rows, cols: cols, columns: part, scale: v[4], shift: v[0])
                }
                let what = "\(rows)×\(cols) split at \(split)"
                XCTAssertEqual(s, sums, what); XCTAssertEqual(sd, sums, what)
                XCTAssertEqual(q, squares, what); XCTAssertEqual(d, dots, what)
                XCTAssertEqual(h, normalized, what); XCTAssertEqual(y, forward, what)
                XCTAssertEqual(dx, backward, what); XCTAssertEqual(z, scaled, what)
            }
        }
    }
}
