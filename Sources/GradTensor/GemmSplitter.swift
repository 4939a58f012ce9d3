import Foundation

/// Runs large matrix products as two half-width products, on two cores when
/// that measures faster (`TwoCoreRunner`).
///
/// A product of at least `Tuning.splitWork` multiply-adds is computed as two
/// products over the left and right halves of the output's columns; each
/// element is the same sum whichever call computes it, so whether the halves
/// run one after the other or side by side changes the time, never a bit of
/// the result.
enum GemmSplitter {
    /// c = alpha·op(a)·op(b) + beta·c as two column halves, each one single-threaded product.
    static func gemm(m: Int32, n: Int32, k: Int32, ta: Bool, tb: Bool, alpha: Float,
              a: UnsafePointer<Float>, lda: Int32, b: UnsafePointer<Float>, ldb: Int32,
              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int32, epilogue: ((Range<Int>) -> Void)? = nil) {
        // The worker's half is the left one, up to the multiple of 8 at or below the middle; the
        // main thread, which starts first, takes the right one, the larger when they differ
        // (300 columns: 156 here, 144 on the worker). The worker starts a wake-up later, so
        // giving it the larger half kept the main thread waiting for it.
        let left = (n / 2) / 8 * 8, right = n - left
        let bRight = tb ? b + Int(left) * Int(ldb) : b + Int(left)
        let cRight = c + Int(left)
        func half(_ cols: Int32, _ bp: UnsafePointer<Float>, _ cp: UnsafeMutablePointer<Float>, _ columns: Range<Int>) {
            BLAS.gemmOnThisThread(m: Int(m), n: Int(cols), k: Int(k), a, lda: Int(lda), transposeA: ta,
                                  bp, ldb: Int(ldb), transposeB: tb, cp, ldc: Int(ldc), alpha: alpha, beta: beta)
            epilogue?(columns)
        }
        TwoCoreRunner.shared.run(.product(m: m, n: n, k: k, transposeA: ta, transposeB: tb), { half(right, bRight, cRight, Int(left)..<Int(n)) },
            { half(left, b, c, 0..<Int(left)) })
    }
}
