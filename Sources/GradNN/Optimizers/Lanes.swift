/// Eight floats at a time for the update rules: the same arithmetic as a
/// scalar loop, lane by lane (IEEE division and square root are exact per
/// lane), with a partial vector at the end.
enum Lanes {
    typealias V = SIMD8<Float>

    @inline(__always)
    static func each(_ n: Int, _ body: (_ i: Int, _ k: Int) -> Void) {
        var i = 0
        while i + 8 <= n { body(i, 8); i += 8 }
        if i < n { body(i, n - i) }
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ k: Int) -> V {
        if k == 8 { return UnsafeRawPointer(p + i).loadUnaligned(as: V.self) }
        var v = V(repeating: 0)
        for j in 0..<k { v[j] = p[i + j] }
        return v
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int, _ k: Int) {
        if k == 8 { UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self); return }
        for j in 0..<k { p[i + j] = v[j] }
    }

    @inline(__always)
    static func abs(_ v: V) -> V {
        unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & SIMD8<UInt32>(repeating: 0x7fff_ffff), to: V.self)
    }
}
