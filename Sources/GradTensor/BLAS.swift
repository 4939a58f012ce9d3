import CBLAS
import Foundation

/// The one place that talks to OpenBLAS: row-major matrix products on tensors
/// seen as matrices [rows, columns].
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
        if m * n * k >= Tuning.splitWork && n >= 32 && (maximum <= 2 || m * n * k < Tuning.blasMultithreadedWork) {
            useOneThread()
            GemmSplitter.gemm(m: Int32(m), n: Int32(n), k: Int32(k), ta: transposeA, tb: transposeB, alpha: alpha,
                                     a: a, lda: Int32(aCols), b: b, ldb: Int32(bCols), beta: beta, c: c, ldc: Int32(n),
                                     epilogue: epilogue)
            return
        }
        chooseThreads(work: m * n * k)
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(aCols), b, Int32(bCols), beta, c, Int32(n))
        if let epilogue {
            Parallel.halves(n, granule: 8, elementsPerItem: m, kind: .productEpilogue) { lo, hi in epilogue(lo..<hi) }
        }
    }

    /// c = alpha · op(a) · op(b) + beta · c as one single-threaded sgemm on the
    /// calling thread, never split: for products inside a `Parallel.halves`
    /// body (call `useOneThread()` before entering it). `lda`, `ldb` and `ldc`
    /// are the row strides, so blocks of larger matrices can be used. With
    /// β = 0, c is zeroed here and OpenBLAS adds to it (same bits, without
    /// OpenBLAS' scalar zeroing loop).
    @inline(__always)
    public static func gemmOnThisThread(m: Int, n: Int, k: Int,
                                        _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                                        _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                                        _ c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1, beta: Float = 0) {
        if m == 0 || n == 0 { return }
        if beta == 0 { for r in 0..<m { (c + r * ldc).update(repeating: 0, count: n) } }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta == 0 ? 1 : beta, c, Int32(ldc))
    }

    /// Sets OpenBLAS to one thread (before `gemmOnThisThread` on two threads).
    public static func useOneThread() {
        if current != 1 { openblas_set_num_threads(1); current = 1 }
    }

    /// Tensor form of `gemm`: c = alpha · op(a) · op(b) + beta · c.
    public static func matmul(_ a: Tensor, transposeA: Bool = false, _ b: Tensor, transposeB: Bool = false,
                              into c: Tensor, alpha: Float = 1, beta: Float = 0, epilogue: ((Range<Int>) -> Void)? = nil) {
        gemm(a.data, rows: a.rows, cols: a.columns, transposeA: transposeA,
             b.data, rows: b.rows, cols: b.columns, transposeB: transposeB,
             c.data, alpha: alpha, beta: beta, epilogue: epilogue)
    }

    /// Products of at least `Tuning.splitWork` multiply-adds are split in
    /// two column halves, run side by side when that measures faster (same
    /// bits either way; see `GemmSplitter`). On more than two cores, products
    /// of at least `Tuning.blasMultithreadedWork` multiply-adds use all of
    /// OpenBLAS' threads instead (at most `Tuning.blasThreads`); smaller ones
    /// run on one.
    nonisolated(unsafe) static var current = -1
    static let maximum: Int = Tuning.blasThreads ?? Int(openblas_get_num_procs())

    @inline(__always)
    static func chooseThreads(work: Int) {
        let want = work < Tuning.blasMultithreadedWork ? 1 : maximum
        if want != current { openblas_set_num_threads(Int32(want)); current = want }
    }

    /// Number of threads OpenBLAS uses.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}
