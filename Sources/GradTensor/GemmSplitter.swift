import Foundation

/// Runs large matrix products as two half-width products, on two cores when
/// that measures faster (`TwoCoreRunner`).
///
/// Why not OpenBLAS' own threads: their results differ in the last bits from
/// the one-thread results for some shapes (a different kernel sums in a
/// different order), so a thread count chosen by timing would make training
/// depend on the machine's load. Here a product of at least `Tuning.splitWork`
/// multiply-adds is *always* computed as two products over the left and right
/// halves of the output's columns, each on one OpenBLAS thread; whether the
/// halves run one after the other or side by side changes the time, never a
/// bit of the result.
enum GemmSplitter {
    /// c = alpha·op(a)·op(b) + beta·c as two column halves, each one single-threaded sgemm
    /// (OpenBLAS is set to one thread before this is called).
    static func gemm(m: Int32, n: Int32, k: Int32, ta: Bool, tb: Bool, alpha: Float,
              a: UnsafePointer<Float>, lda: Int32, b: UnsafePointer<Float>, ldb: Int32,
              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int32, epilogue: ((Range<Int>) -> Void)? = nil) {
        let left = (n / 2 + 7) / 8 * 8, right = n - left
        let bRight = tb ? b + Int(left) * Int(ldb) : b + Int(left)
        let cRight = c + Int(left)
        // Each half is one single-threaded sgemm (which zeroes c itself when β = 0: same bits
        // as OpenBLAS' scalar sgemm_beta; measured no faster for these large halves).
        func half(_ cols: Int32, _ bp: UnsafePointer<Float>, _ cp: UnsafeMutablePointer<Float>, _ columns: Range<Int>) {
            BLAS.gemmOnThisThread(m: Int(m), n: Int(cols), k: Int(k), a, lda: Int(lda), transposeA: ta,
                                  bp, ldb: Int(ldb), transposeB: tb, cp, ldc: Int(ldc), alpha: alpha, beta: beta)
            epilogue?(columns)
        }
        TwoCoreRunner.shared.run(.product(m: m, n: n, k: k, transposeA: ta, transposeB: tb), { half(left, b, c, 0..<Int(left)) },
            { half(right, bRight, cRight, Int(left)..<Int(n)) })
    }
}
