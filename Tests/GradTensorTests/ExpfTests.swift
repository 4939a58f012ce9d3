import CGemm
import Foundation
import XCTest

/// CGemm's e^x (Sources/CGemm/expf.c) is glibc's expf but at the two inputs
/// where glibc 2.36's FMA and SSE2 variants, chosen by CPUID, disagree
/// (found over all 2^32 floats by scripts/cpu-kinds/libm-bits.c).
final class ExpfTests: XCTestCase {
    private func bits(_ x: Float) -> UInt32 { x.bitPattern }

    /// The correctly rounded results, which the SSE2 variant gives: e^x to 18
    /// digits is 1.38880145675599256e14 and 3.94686661475424647e-28, 0.4987
    /// and 0.4999 ULP above these floats (the FMA variant rounds up).
    func testTheInputsWhereGlibcsVariantsDiffer() {
        XCTAssertEqual(bits(cgemm_expf(Float(bitPattern: 0x4202_422F))), 0x56FC_9F1B)
        XCTAssertEqual(bits(cgemm_expf(Float(bitPattern: 0xC27C_65D9))), 0x11FA_2992)
        // Their neighbours are glibc's.
        for u: UInt32 in [0x4202_422E, 0x4202_4230, 0xC27C_65D8, 0xC27C_65DA] {
            XCTAssertEqual(bits(cgemm_expf(Float(bitPattern: u))), bits(expf(Float(bitPattern: u))))
        }
    }

    func testSpecialValuesAndRangeEnds() {
        XCTAssertTrue(cgemm_expf(.nan).isNaN)
        XCTAssertEqual(cgemm_expf(.infinity), .infinity)
        XCTAssertEqual(bits(cgemm_expf(-.infinity)), 0)
        XCTAssertEqual(cgemm_expf(0), 1)
        XCTAssertEqual(cgemm_expf(1), Float(bitPattern: 0x402D_F854))                 // e
        XCTAssertEqual(bits(cgemm_expf(Float(bitPattern: 0x42B1_7217))), 0x7F7F_FF84) // largest finite result
        XCTAssertEqual(cgemm_expf(Float(bitPattern: 0x42B1_7218)), .infinity)
        XCTAssertEqual(bits(cgemm_expf(-103.9)), 1)                                   // the smallest subnormal
        XCTAssertEqual(bits(cgemm_expf(-104)), 0)
    }

    /// Elsewhere glibc's bits, so training on a CPU gives the bits it gave before.
    func testGlibcsBitsElsewhere() {
        var u: UInt32 = 0
        for _ in 0..<(1 << 18) {
            u = u &* 1_664_525 &+ 1_013_904_223
            let x = Float(bitPattern: u)
            if u == 0x4202_422F || u == 0xC27C_65D9 || x.isNaN { continue }
            XCTAssertEqual(bits(cgemm_expf(x)), bits(expf(x)))
        }
    }
}
