import CBLAS
import Foundation

/// The one place that talks to OpenBLAS: row-major matrix products on tensors
/// seen as matrices [rows, columns].
public enum BLAS {
    /// c = alpha · op(a) · op(b) + beta · c, where op transposes when asked.
    /// Shapes are those of the matrix views; `c` must already have the result's size.
    @inline(__always)
    public static func gemm(_ a: UnsafePointer<Float>, rows aRows: Int, cols aCols: Int, transposeA: Bool,
                            _ b: UnsafePointer<Float>, rows bRows: Int, cols bCols: Int, transposeB: Bool,
                            _ c: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0) {
        let m = transposeA ? aCols : aRows
        let k = transposeA ? aRows : aCols
        let n = transposeB ? bRows : bCols
        precondition(k == (transposeB ? bCols : bRows), "gemm inner dimensions differ")
        if m == 0 || n == 0 { return }
        chooseThreads(work: m * n * k)
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(aCols), b, Int32(bCols), beta, c, Int32(n))
    }

    /// Tensor form of `gemm`: c = alpha · op(a) · op(b) + beta · c.
    public static func matmul(_ a: Tensor, transposeA: Bool = false, _ b: Tensor, transposeB: Bool = false,
                              into c: Tensor, alpha: Float = 1, beta: Float = 0) {
        gemm(a.data, rows: a.rows, cols: a.columns, transposeA: transposeA,
             b.data, rows: b.rows, cols: b.columns, transposeB: transposeB,
             c.data, alpha: alpha, beta: beta)
    }

    /// Products smaller than this many multiply-adds run on one thread: for
    /// the shapes of a batch-32 step, OpenBLAS's thread hand-off costs more than
    /// it saves (measured by `make bench SWEEP=1`). `GRADLAB_BLAS_THREADS` overrides.
    public nonisolated(unsafe) static var singleThreadBelow = 40_000_000
    nonisolated(unsafe) static var current = -1
    nonisolated(unsafe) static let maximum: Int = {
        if let s = getenv("GRADLAB_BLAS_THREADS"), let n = Int(String(cString: s)), n > 0 { return n }
        return Int(openblas_get_num_procs())
    }()

    @inline(__always)
    static func chooseThreads(work: Int) {
        let want = work < singleThreadBelow ? 1 : maximum
        if want != current { openblas_set_num_threads(Int32(want)); current = want }
    }

    /// Number of threads OpenBLAS uses.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}
