/// SIMD kernels for the element-wise work around sgemm: activations and
/// their derivatives in single passes over contiguous memory.
///
/// `exp` is Cephes' single-precision polynomial (relative error ≈ 2e-7),
/// vectorized; it replaces one libm call per element, which dominated the
/// element-wise time of an ELU network.
public enum Vectorized {
    public typealias V = SIMD8<Float>

    @inline(__always)
    public static func exp(_ xIn: V) -> V {
        var x = xIn.replacing(with: -87.3, where: xIn .< -87.3)
        x.replace(with: 88.7, where: x .> 88.7)
        // Round to nearest with the 1.5·2²³ trick: the integer lands in the low mantissa bits.
        let magic = V(repeating: 12_582_912)
        let shifted = x * 1.44269504088896341 + magic
        let fx = shifted - magic
        x = x - fx * 0.693359375 + fx * 2.12194440e-4
        var y = V(repeating: 1.9875691500e-4)
        y = y * x + 1.3981999507e-3
        y = y * x + 8.3334519073e-3
        y = y * x + 4.1665795894e-2
        y = y * x + 1.6666665459e-1
        y = y * x + 5.0000001201e-1
        y = y * x * x + x + 1
        let n = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        return y * unsafeBitCast((n &+ 127) &<< 23, to: V.self)
    }

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

    public static func elu(_ p: UnsafeMutablePointer<Float>, _ n: Int, alpha: Float, scale: Float = 1) {
        let sa = alpha * scale
        map(p, n) { x in
            let neg = sa * (exp(x.replacing(with: 0, where: x .> 0)) - 1)
            return (x * scale).replacing(with: neg, where: x .<= 0)
        }
    }

    public static func eluBackward(_ y: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int, alpha: Float, scale: Float = 1) {
        let sa = alpha * scale
        zip(y, g, n) { y, g in (g * scale).replacing(with: g * (y + sa), where: y .<= 0) }
    }

    public static func sigmoid(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        map(p, n) { x in 1 / (1 + exp(-x)) }
    }

    public static func tanh(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        map(p, n) { x in
            var c = x.replacing(with: -40, where: x .< -40)
            c.replace(with: 40, where: c .> 40)
            let e = exp(-2 * c)
            return (1 - e) / (1 + e)
        }
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
        for r in 0..<rows {
            let row = p + r * cols
            var j = 0
            while j + 8 <= cols { store(load(row + j) + load(bias + j), row + j); j += 8 }
            while j < cols { row[j] += bias[j]; j += 1 }
        }
    }

    /// out[j] = Σ_r p[r, j] (column sums), overwriting `out`.
    public static func columnSums(_ p: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        out.update(repeating: 0, count: cols)
        for r in 0..<rows {
            let row = p + r * cols
            var j = 0
            while j + 8 <= cols { store(load(out + j) + load(row + j), out + j); j += 8 }
            while j < cols { out[j] += row[j]; j += 1 }
        }
    }

    /// w -= lr · g
    public static func axpy(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int, scale: Float) {
        var i = 0
        while i + 8 <= n { store(load(w + i) + load(g + i) * scale, w + i); i += 8 }
        while i < n { w[i] += g[i] * scale; i += 1 }
    }
}

extension Vectorized {
    public typealias U = SIMD8<UInt32>

    /// A counter-based 32-bit hash (Wellons' lowbias32): lane i of block b
    /// gets hash(key ⊕ counter), so masks need no sequential state.
    @inline(__always)
    static func hash(_ xIn: U) -> U {
        var x = xIn
        x ^= x &>> 16
        x = x &* 0x7FEB_352D
        x ^= x &>> 15
        x = x &* 0x846C_A68B
        x ^= x &>> 16
        return x
    }

    /// Dropout in one pass: y = x·m, mask m = keepScale or 0 (dropped with probability `rate`).
    public static func dropout(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
                               _ n: Int, rate: Float, key: UInt64) {
        let threshold = U(repeating: UInt32(min(Double(rate) * 16_777_216, 16_777_216)))
        let keep = V(repeating: 1 / (1 - rate))
        let k1 = U(repeating: UInt32(truncatingIfNeeded: key)), k2 = U(repeating: UInt32(truncatingIfNeeded: key >> 32))
        let lanes = U(0, 1, 2, 3, 4, 5, 6, 7)
        var i = 0
        while i < n {
            let c = U(repeating: UInt32(truncatingIfNeeded: i)) &+ lanes
            let h = hash(hash(c ^ k1) &+ k2) &>> 8
            let m = V(repeating: 0).replacing(with: keep, where: h .>= threshold)
            if i + 8 <= n {
                store(m, mask + i)
                store(load(x + i) * m, y + i)
            } else {
                for j in 0..<(n - i) { mask[i + j] = m[j]; y[i + j] = x[i + j] * m[j] }
            }
            i += 8
        }
    }

    /// g[i] *= mask[i]
    public static func multiply(_ g: UnsafePointer<Float>, _ mask: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n { store(load(g + i) * load(mask + i), out + i); i += 8 }
        while i < n { out[i] = g[i] * mask[i]; i += 1 }
    }
}

extension Vectorized {
    /// Column sums into an array (resized to `cols`).
    public static func columnSums(_ p: UnsafePointer<Float>, rows: Int, cols: Int, into out: inout [Float]) {
        if out.count != cols { out = [Float](repeating: 0, count: cols) }
        out.withUnsafeMutableBufferPointer { columnSums(p, rows: rows, cols: cols, into: $0.baseAddress!) }
    }

    /// out[j] = Σ_r (p[r, j] + shift[j])²
    public static func columnSumsOfSquares(_ p: UnsafePointer<Float>, rows: Int, cols: Int, shift: [Float], into out: inout [Float]) {
        if out.count != cols { out = [Float](repeating: 0, count: cols) }
        shift.withUnsafeBufferPointer { sb in
            out.withUnsafeMutableBufferPointer { ob in
                let o = ob.baseAddress!, s = sb.baseAddress!
                o.update(repeating: 0, count: cols)
                for r in 0..<rows {
                    let row = p + r * cols
                    var j = 0
                    while j + 8 <= cols { let c = load(row + j) + load(s + j); store(load(o + j) + c * c, o + j); j += 8 }
                    while j < cols { let c = row[j] + s[j]; o[j] += c * c; j += 1 }
                }
            }
        }
    }

    /// out[j] = Σ_r a[r, j]·b[r, j]
    public static func columnDots(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, rows: Int, cols: Int, into out: inout [Float]) {
        if out.count != cols { out = [Float](repeating: 0, count: cols) }
        out.withUnsafeMutableBufferPointer { ob in
            let o = ob.baseAddress!
            o.update(repeating: 0, count: cols)
            for r in 0..<rows {
                let ar = a + r * cols, br = b + r * cols
                var j = 0
                while j + 8 <= cols { store(load(o + j) + load(ar + j) * load(br + j), o + j); j += 8 }
                while j < cols { o[j] += ar[j] * br[j]; j += 1 }
            }
        }
    }

    /// out[r, j] = (x[r, j] + shift[j])·scale[j]
    public static func affineRows(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, cols: Int, shift: [Float], scale: [Float]) {
        shift.withUnsafeBufferPointer { sb in scale.withUnsafeBufferPointer { cb in
            let s = sb.baseAddress!, c = cb.baseAddress!
            for r in 0..<rows {
                let xr = x + r * cols, o = out + r * cols
                var j = 0
                while j + 8 <= cols { store((load(xr + j) + load(s + j)) * load(c + j), o + j); j += 8 }
                while j < cols { o[j] = (xr[j] + s[j]) * c[j]; j += 1 }
            }
        } }
    }

    /// out[r, j] = x[r, j]·scale[j] + shift[j]
    public static func scaleShiftRows(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, cols: Int, scale: [Float], shift: [Float]) {
        shift.withUnsafeBufferPointer { sb in scale.withUnsafeBufferPointer { cb in
            let s = sb.baseAddress!, c = cb.baseAddress!
            for r in 0..<rows {
                let xr = x + r * cols, o = out + r * cols
                var j = 0
                while j + 8 <= cols { store(load(xr + j) * load(c + j) + load(s + j), o + j); j += 8 }
                while j < cols { o[j] = xr[j] * c[j] + s[j]; j += 1 }
            }
        } }
    }

    /// x̂[r, j] = (x[r, j] + shift[j])·invStd[j] and y[r, j] = x̂[r, j]·gamma[j] + beta[j]
    /// in one pass (the same arithmetic as `affineRows` then `scaleShiftRows`).
    public static func batchNormForward(_ x: UnsafePointer<Float>, normalized xh: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                        rows: Int, cols: Int, shift: [Float], invStd: [Float], gamma: [Float], beta: [Float]) {
        shift.withUnsafeBufferPointer { sb in invStd.withUnsafeBufferPointer { ib in gamma.withUnsafeBufferPointer { gb in beta.withUnsafeBufferPointer { bb in
            let s = sb.baseAddress!, c = ib.baseAddress!, g = gb.baseAddress!, b = bb.baseAddress!
            for r in 0..<rows {
                let xr = x + r * cols, h = xh + r * cols, o = out + r * cols
                var j = 0
                while j + 8 <= cols {
                    let n = (load(xr + j) + load(s + j)) * load(c + j)
                    store(n, h + j)
                    store(n * load(g + j) + load(b + j), o + j)
                    j += 8
                }
                while j < cols { let n = (xr[j] + s[j]) * c[j]; h[j] = n; o[j] = n * g[j] + b[j]; j += 1 }
            }
        } } } }
    }

    /// dx = scale·(dy + meanDy + x̂·meanDyXh), row by row.
    public static func batchNormBackward(_ dy: UnsafePointer<Float>, _ xh: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                         rows: Int, cols: Int, scale: [Float], meanDy: [Float], meanDyXh: [Float]) {
        scale.withUnsafeBufferPointer { cb in meanDy.withUnsafeBufferPointer { ab in meanDyXh.withUnsafeBufferPointer { bb in
            let c = cb.baseAddress!, a = ab.baseAddress!, b = bb.baseAddress!
            for r in 0..<rows {
                let g = dy + r * cols, h = xh + r * cols, o = out + r * cols
                var j = 0
                while j + 8 <= cols { store(load(c + j) * (load(g + j) + load(a + j) + load(h + j) * load(b + j)), o + j); j += 8 }
                while j < cols { o[j] = c[j] * (g[j] + a[j] + h[j] * b[j]); j += 1 }
            }
        } } }
    }
}

extension Vectorized {
    /// out[i] = Float(src[i]) · scale: pixels to the input buffer, 8 at a time.
    public static func bytesToFloats(_ src: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<Float>, count: Int, scale: Float) {
        var i = 0
        while i + 8 <= count {
            let b = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<UInt8>.self)
            store(V(SIMD8<Int32>(truncatingIfNeeded: b)) * scale, out + i)
            i += 8
        }
        while i < count { out[i] = Float(src[i]) * scale; i += 1 }
    }
}
