import CGemm

/// SIMD kernels for the element-wise work around sgemm: activations and
/// their derivatives in single passes over contiguous memory. The hottest ones
/// (ELU, sigmoid, tanh, dropout, Nadam, the batch gather) call CGemm's C
/// kernels, which the compiler vectorises for AVX-512 or AVX2 at run time;
/// Swift code here is built for x86-64-v2 (SSE4.2) only. The activations with
/// e^x use Cephes' single-precision polynomial (relative error ≈ 2e-7, one
/// copy: CGemm's cephes_exp.h) instead of one libm call per element.
public enum Vectorized {
    public typealias V = SIMD8<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

    /// Applies `f` to blocks of 8, then to the tail padded with zeros.
    @inline(__always)
    static func map(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ f: (V) -> V) {
        var i = 0
        while i + 8 <= n { store(f(load(p + i)), p + i); i += 8 }
        if i < n {
            var t = V(repeating: 0)
            for j in 0..<(n - i) { t[j] = p[i + j] }
            let r = f(t)
            for j in 0..<(n - i) { p[i + j] = r[j] }
        }
    }

    /// g[i] = f(y[i], g[i]) in blocks of 8.
    @inline(__always)
    static func zip(_ y: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int, _ f: (V, V) -> V) {
        var i = 0
        while i + 8 <= n { store(f(load(y + i), load(g + i)), g + i); i += 8 }
        if i < n {
            var a = V(repeating: 0), b = V(repeating: 0)
            for j in 0..<(n - i) { a[j] = y[i + j]; b[j] = g[i + j] }
            let r = f(a, b)
            for j in 0..<(n - i) { g[i + j] = r[j] }
        }
    }

    /// ELU (SELU with `scale`) in place: CGemm's `cgemm_elu`, the formula that was
    /// here with Cephes' `exp`, vectorised for AVX-512 / AVX2 (the same bits as before
    /// for all 2³² inputs on every path; commit message of this change).
    public static func elu(_ p: UnsafeMutablePointer<Float>, _ n: Int, alpha: Float, scale: Float = 1) {
        cgemm_elu(p, n, alpha * scale, scale)
    }

    /// ELU's (SELU's) derivative from the outputs: CGemm's `cgemm_elu_backward`.
    public static func eluBackward(_ y: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int, alpha: Float, scale: Float = 1) {
        cgemm_elu_backward(y, g, n, alpha * scale, scale)
    }

    /// Sigmoid in place: CGemm's `cgemm_sigmoid`, 1 / (1 + e^−x) (the same bits as
    /// the Swift SIMD8 loop it replaced for all 2³² inputs on every path; commit message).
    public static func sigmoid(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        cgemm_sigmoid(p, n)
    }

    /// tanh in place: CGemm's `cgemm_tanh`, (1 − e) / (1 + e) with e = e^(−2x), x clamped to ±40.
    public static func tanh(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        cgemm_tanh(p, n)
    }

    public static func relu(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        map(p, n) { x in x.replacing(with: 0, where: x .< 0) }
    }

    public static func leakyRelu(_ p: UnsafeMutablePointer<Float>, _ n: Int, alpha: Float) {
        map(p, n) { x in x.replacing(with: x * alpha, where: x .<= 0) }
    }

    public static func sigmoidBackward(_ y: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int) {
        zip(y, g, n) { y, g in g * y * (1 - y) }
    }

    public static func tanhBackward(_ y: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int) {
        zip(y, g, n) { y, g in g * (1 - y * y) }
    }

    public static func reluBackward(_ y: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int, alpha: Float) {
        // ReLU's derivative at 0 is 0; leaky ReLU's is 1 (Keras).
        if alpha == 0 { zip(y, g, n) { y, g in g.replacing(with: 0, where: y .<= 0) } }
        else { zip(y, g, n) { y, g in g.replacing(with: g * alpha, where: y .< 0) } }
    }

    /// Adds `bias` to every row of a [rows, cols] matrix.
    public static func addRows(_ p: UnsafeMutablePointer<Float>, rows: Int, cols: Int, _ bias: UnsafePointer<Float>) {
        addRows(p, rows: rows, cols: cols, columns: 0..<cols, bias)
    }

    /// Adds `bias[j]` to the columns j in `columns` of every row.
    public static func addRows(_ p: UnsafeMutablePointer<Float>, rows: Int, cols: Int, columns: Range<Int>, _ bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = p + r * cols
            eachColumn(columns, { j in store(load(row + j) + load(bias + j), row + j) }, { j in row[j] += bias[j] })
        }
    }

    /// out[j] = Σ_r p[r, j] (column sums), overwriting `out`.
    public static func columnSums(_ p: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        columnSums(p, rows: rows, cols: cols, columns: 0..<cols, into: out)
    }

    /// w -= lr · g
    public static func axpy(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int, scale: Float) {
        var i = 0
        while i + 8 <= n { store(load(w + i) + load(g + i) * scale, w + i); i += 8 }
        while i < n { w[i] += g[i] * scale; i += 1 }
    }
}

extension Vectorized {
    /// Dropout of x into y (CGemm's `cgemm_dropout`: a counter hash keyed by
    /// `key`, the same bits on every CPU), split over two cores when that is
    /// faster; each element is multiplied by 0 or 1 / (1 − rate). The backward pass is the same
    /// call on the gradient with the same key.
    public static func dropout(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                               _ n: Int, rate: Float, key: UInt64) {
        let threshold = UInt32(min(Double(rate) * 16_777_216, 16_777_216))
        let keep = 1 / (1 - rate)
        Parallel.halves(n, granule: 16, kind: .dropout) { lo, hi in
            cgemm_dropout(x + lo, y + lo, hi - lo, lo, threshold, keep, key)
        }
    }
}

/// Column kernels over the columns `columns` of a row-major [rows, cols]
/// matrix, so that two threads can each take half of the columns. Every column
/// is summed over the rows in row order and every element is computed by the
/// same arithmetic (neither Swift nor CGemm, built with -ffp-contract=off,
/// fuses a multiply and an add), so the results do not depend on where the
/// columns are split.
extension Vectorized {
    public typealias Pointer = UnsafePointer<Float>
    public typealias MutablePointer = UnsafeMutablePointer<Float>

    /// Calls `block(j)` for each full block of 8 columns in `columns`, then `single(j)` for the rest.
    @inline(__always)
    static func eachColumn(_ columns: Range<Int>, _ block: (Int) -> Void, _ single: (Int) -> Void) {
        var j = columns.lowerBound
        while j + 8 <= columns.upperBound { block(j); j += 8 }
        while j < columns.upperBound { single(j); j += 1 }
    }

    /// out[j] = Σ_r p[r, j] for j in `columns`.
    public static func columnSums(_ p: Pointer, rows: Int, cols: Int, columns: Range<Int>, into out: MutablePointer) {
        for j in columns { out[j] = 0 }
        for r in 0..<rows {
            let x = p + r * cols
            eachColumn(columns, { j in store(load(out + j) + load(x + j), out + j) }, { j in out[j] += x[j] })
        }
    }

    /// out[r, j] = x[r, j]·scale[j] + shift[j] for j in `columns`.
    public static func scaleShiftRows(_ x: Pointer, into out: MutablePointer, rows: Int, cols: Int, columns: Range<Int>,
                                      scale c: Pointer, shift s: Pointer) {
        for r in 0..<rows {
            let xr = x + r * cols, o = out + r * cols
            eachColumn(columns, { j in store(load(xr + j) * load(c + j) + load(s + j), o + j) },
                       { j in o[j] = xr[j] * c[j] + s[j] })
        }
    }

    /// x̂[r, j] = (x[r, j] + shift[j])·invStd[j] and y[r, j] = x̂[r, j]·gamma[j] + beta[j]
    /// in one pass, for j in `columns`.
    public static func batchNormForward(_ x: Pointer, normalized xh: MutablePointer, into out: MutablePointer,
                                        rows: Int, cols: Int, columns: Range<Int>,
                                        shift s: Pointer, invStd c: Pointer, gamma g: Pointer, beta b: Pointer) {
        for r in 0..<rows {
            let xr = x + r * cols, h = xh + r * cols, o = out + r * cols
            eachColumn(columns, { j in
                let n = (load(xr + j) + load(s + j)) * load(c + j)
                store(n, h + j)
                store(n * load(g + j) + load(b + j), o + j)
            }, { j in let n = (xr[j] + s[j]) * c[j]; h[j] = n; o[j] = n * g[j] + b[j] })
        }
    }

    /// BatchNormalization's training forward pass over `columns` (CGemm's
    /// `cgemm_batchnorm_forward`): each column's mean and biased variance over
    /// the rows, `invStd = 1/√(variance + epsilon)`, the moving averages
    /// `m·momentum + statistic·(1 − momentum)`, then x̂ = (x − mean)·invStd and
    /// y = x̂·gamma + beta. Blocks of 64 columns go through all of it while they
    /// are in L1, with their sums in registers, instead of four passes over the
    /// whole width.
    public static func batchNormTraining(_ x: Pointer, normalized xh: MutablePointer, into y: MutablePointer,
                                         rows: Int, cols: Int, columns: Range<Int>, epsilon: Float, momentum: Float,
                                         mean: MutablePointer, variance: MutablePointer, invStd: MutablePointer,
                                         gamma: Pointer, beta: Pointer, movingMean: MutablePointer, movingVariance: MutablePointer) {
        cgemm_batchnorm_forward(x, xh, y, rows, cols, columns.lowerBound, columns.upperBound, 1 / Float(rows), epsilon, momentum,
                                mean, variance, invStd, gamma, beta, movingMean, movingVariance)
    }

    /// BatchNormalization's backward pass over `columns` (CGemm's
    /// `cgemm_batchnorm_backward`): sumDy = Σ_r dy and sumDyXh = Σ_r dy·x̂,
    /// then, when `dx` is given (training's batch statistics),
    /// dx = gamma·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)), block by block as
    /// the forward pass.
    public static func batchNormGradients(_ dy: Pointer, _ xh: Pointer, into dx: MutablePointer?, rows: Int, cols: Int,
                                          columns: Range<Int>, gamma: Pointer, invStd: Pointer,
                                          sumDy: MutablePointer, sumDyXh: MutablePointer) {
        cgemm_batchnorm_backward(dy, xh, dx, rows, cols, columns.lowerBound, columns.upperBound, 1 / Float(rows),
                                 gamma, invStd, sumDy, sumDyXh)
    }
}

extension Vectorized {
    /// The row pass that folds a per-feature affine input `x = x̂·γ + β` into
    /// a dense layer's backward pass, for each row j in `rows` of the
    /// [·, cols] kernel `w` and `g = x̂ᵀ·dz`, with `s = Σ_batch dz`:
    ///
    ///     gammaGradient[j] = Σ_k w[j, k]·g[j, k]     (= Σ_batch dx·x̂)
    ///     betaGradient[j]  = Σ_k w[j, k]·s[k]        (= Σ_batch dx)
    ///     dW[j, k] = γ[j]·g[j, k] + β[j]·s[k]        (= xᵀ·dz, the kernel's gradient)
    ///
    /// Without `rate`, dW overwrites g; with it, the SGD step `w −= rate·dW`
    /// replaces w after the sums have read the old kernel, and g is left as is.
    /// Each row is summed in the same order whatever the range, so a split by
    /// rows does not change a bit. CGemm's `cgemm_fold_affine_rows` runs it
    /// with AVX-512 or AVX2, four rows side by side, with the bits of the
    /// SIMD8 loop it replaced on every path: W2's 784 × 300 kernel takes
    /// 19 µs with AVX-512, 62 µs with SSE (this module's baseline).
    public static func foldAffineRows(kernel w: MutablePointer, gradient g: MutablePointer, rows: Range<Int>, cols: Int,
                                      columnSums s: Pointer, gamma: Pointer, beta: Pointer,
                                      gammaGradient: MutablePointer, betaGradient: MutablePointer, rate: Float?) {
        let j = rows.lowerBound
        cgemm_fold_affine_rows(w + j * cols, g + j * cols, rows.count, cols, s, gamma + j, beta + j,
                               gammaGradient + j, betaGradient + j, rate == nil ? 0 : 1, -(rate ?? 0))
    }
}
