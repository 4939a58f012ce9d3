import CGemm
import Foundation

/// The one place that computes matrix products: row-major products on tensors
/// seen as matrices [rows, columns], by CGemm's kernels.
///
/// Every output element is one sum over k in order with fused multiply-adds,
/// vectorised across output columns (see `Sources/CGemm/include/cgemm.h`): the
/// AVX-512, AVX2 + FMA and scalar paths, chosen at run time by the CPU's
/// features (`GRADLAB_KERNEL=avx512|avx2|scalar` forces one), give the same
/// bits, so a transcript replays with the same numbers on every x86-64 CPU
/// and no library's kernels need pinning. How the output's columns are split
/// between calls or cores does not change a bit either.
public enum BLAS {
    /// c = alpha · op(a) · op(b) + beta · c, where op transposes when asked.
    /// Shapes are those of the matrix views; `c` must already have the result's size.
    ///
    /// `epilogue(columns)`, when given, runs once per range of c's columns, on
    /// the thread that has just computed them (while they are in its cache), and
    /// the ranges cover every column once: a bias and an element-wise activation
    /// go there. It must only touch those columns.
    @inline(__always)
    public static func gemm(_ a: UnsafePointer<Float>, rows aRows: Int, cols aCols: Int, transposeA: Bool,
                            _ b: UnsafePointer<Float>, rows bRows: Int, cols bCols: Int, transposeB: Bool,
                            _ c: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0,
                            epilogue: ((Range<Int>) -> Void)? = nil) {
        let m = transposeA ? aCols : aRows
        let k = transposeA ? aRows : aCols
        let n = transposeB ? bRows : bCols
        precondition(k == (transposeB ? bCols : bRows), "gemm inner dimensions differ")
        if m == 0 || n == 0 { return }
        if m * n * k >= Tuning.splitWork && n >= 32 {
            GemmSplitter.gemm(m: Int32(m), n: Int32(n), k: Int32(k), ta: transposeA, tb: transposeB, alpha: alpha,
                              a: a, lda: Int32(aCols), b: b, ldb: Int32(bCols), beta: beta, c: c, ldc: Int32(n),
                              epilogue: epilogue)
            return
        }
        gemmOnThisThread(m: m, n: n, k: k, a, lda: aCols, transposeA: transposeA, b, ldb: bCols, transposeB: transposeB,
                         c, ldc: n, alpha: alpha, beta: beta)
        epilogue?(0..<n)
    }

    /// c = alpha · op(a) · op(b) + beta · c on the calling thread, never
    /// split: for products inside a `Parallel.halves` body. `lda`, `ldb` and
    /// `ldc` are the row strides, so blocks of larger matrices can be used.
    /// With β = 0, c is not read.
    @inline(__always)
    public static func gemmOnThisThread(m: Int, n: Int, k: Int,
                                        _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                                        _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                                        _ c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1, beta: Float = 0) {
        if m == 0 || n == 0 { return }
        cgemm_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                    b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Tensor form of `gemm`: c = alpha · op(a) · op(b) + beta · c.
    public static func matmul(_ a: Tensor, transposeA: Bool = false, _ b: Tensor, transposeB: Bool = false,
                              into c: Tensor, alpha: Float = 1, beta: Float = 0, epilogue: ((Range<Int>) -> Void)? = nil) {
        gemm(a.data, rows: a.rows, cols: a.columns, transposeA: transposeA,
             b.data, rows: b.rows, cols: b.columns, transposeB: transposeB,
             c.data, alpha: alpha, beta: beta, epilogue: epilogue)
    }

    /// The kernels in use: "avx512", "avx2" or "scalar".
    public static var kernel: String {
        switch cgemm_path() {
        case 2: return "avx512"
        case 1: return "avx2"
        default: return "scalar"
        }
    }
}
