import CBLAS

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

    /// Number of threads OpenBLAS uses.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}
