import CGemm
import XCTest
@testable import GradTensor

/// Path 0's products (CPUs without FMA instructions) compute fl(a·b + c) in
/// double arithmetic with round-to-odd instead of calling libm's fmaf. Here
/// they must give the correctly rounded result where a plain double sum would
/// not: a·b a hair off half an ulp of c, so that p + c rounds to a midpoint
/// between two floats in double, then to the wrong float (double rounding).
final class ExactFMATests: XCTestCase {
    private var pathBefore: Int32 = 0
    override func setUp() { pathBefore = cgemm_path() }
    override func tearDown() { cgemm_set_path(pathBefore) }

    func testPathZeroRoundsOnceWhereADoubleSumRoundsTwice() {
        var rng = RandomGenerator(seed: 5)
        let (m, n) = (300, 64)
        // C[i][j] = fma(a_i, b_j, fma(c_i, 1, 0)) = fma(a_i, b_j, c_i): A's rows are [c_i, a_i], B is [[1 …], [b_j …]].
        var a = [Float](), c = [Float]()
        for i in 0..<m {
            let exponent = Int(rng.next() % 160) - 80 - (i % 7 == 0 ? 60 : 0)
            let ci = Float(sign: rng.next() & 1 == 0 ? .plus : .minus, exponent: exponent,
                           significand: 1 + Float(rng.next() % (1 << 23)) * 0x1p-23)
            let u = Int(rng.next() % 23) + 1
            let ai = Float(sign: rng.next() & 1 == 0 ? .plus : .minus, exponent: exponent - 24 - 10,
                           significand: 1 + Float(sign: .plus, exponent: -u, significand: 1))
            c.append(ci)
            a.append(ai)
        }
        let b: [Float] = (0..<n).map { j in
            Float(sign: .plus, exponent: 10 + (j % 9 == 0 ? 1 : 0), significand: 1 - Float(sign: .plus, exponent: -(j % 23 + 1), significand: 1))
        }
        let aMatrix = (0..<m).flatMap { [c[$0], a[$0]] }
        let bMatrix = [Float](repeating: 1, count: n) + b
        var got = [Float](repeating: .nan, count: m * n)
        cgemm_set_path(0)
        XCTAssertEqual(cgemm_path(), 0)
        cgemm_sgemm(0, 0, Int32(m), Int32(n), 2, 1, aMatrix, 2, bMatrix, Int32(n), 0, &got, Int32(n))
        var wrong = 0, doubleSumWrong = 0
        for i in 0..<m {
            for j in 0..<n {
                let want = c[i].addingProduct(a[i], b[j])
                if got[i * n + j].bitPattern != want.bitPattern {
                    wrong += 1
                    if wrong < 5 { XCTFail("fma(\(a[i]), \(b[j]), \(c[i])): \(got[i * n + j]), want \(want)") }
                }
                if Float(Double(a[i]) * Double(b[j]) + Double(c[i])).bitPattern != want.bitPattern { doubleSumWrong += 1 }
            }
        }
        XCTAssertEqual(wrong, 0)
        // The cases are hard ones: rounding twice gets some of them wrong.
        XCTAssertGreaterThan(doubleSumWrong, 50)
    }
}
