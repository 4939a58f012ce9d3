import Foundation

/// The one seeded random generator of gradlab: xoshiro256** seeded through
/// SplitMix64. Same seed, same numbers, on every run of the same machine.
///
/// It is a value; the session owns one and passes it (inout) to whatever
/// draws random numbers, so randomness is always an argument, never a global.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    private var spareNormal: Float? = nil

    /// A generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    /// The whole state as six words (four of xoshiro, then whether a normal
    /// draw is cached and its bits), for saving a session and resuming it.
    public var state: [UInt64] {
        [s0, s1, s2, s3, spareNormal == nil ? 0 : 1, UInt64(spareNormal?.bitPattern ?? 0)]
    }

    /// The generator whose `state` this was; nil for words that no generator has.
    public init?(state w: [UInt64]) {
        guard w.count == 6, w[0] | w[1] | w[2] | w[3] != 0, w[4] <= 1, w[5] <= UInt64(UInt32.max) else { return nil }
        s0 = w[0]; s1 = w[1]; s2 = w[2]; s3 = w[3]
        spareNormal = w[4] == 1 ? Float(bitPattern: UInt32(w[5])) : nil
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform float in [0, 1) with 24 bits of randomness.
    @inline(__always)
    public mutating func uniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Two uniform floats in [0, 1) from one 64-bit draw (for dropout masks).
    @inline(__always)
    public mutating func uniformPair() -> (Float, Float) {
        let r = next()
        return (Float(r >> 40) * (1.0 / 16_777_216.0), Float((r >> 8) & 0xFF_FFFF) * (1.0 / 16_777_216.0))
    }

    /// A standard normal float (Box–Muller, caching the second value).
    public mutating func normal() -> Float {
        if let s = spareNormal { spareNormal = nil; return s }
        var u1: Double
        repeat { u1 = Double(next() >> 11) * 0x1.0p-53 } while u1 <= 0
        let u2 = Double(next() >> 11) * 0x1.0p-53
        let r = (-2 * Foundation.log(u1)).squareRoot()
        spareNormal = Float(r * Foundation.sin(2 * .pi * u2))
        return Float(r * Foundation.cos(2 * .pi * u2))
    }

    /// A normal draw re-drawn until it lies within two standard deviations
    /// (Keras' `truncated_normal`).
    public mutating func truncatedNormal() -> Float {
        while true {
            let z = normal()
            if abs(z) <= 2 { return z }
        }
    }

    /// A uniform integer in 0..<n.
    public mutating func int(below n: Int) -> Int {
        Int(next(upperBound: UInt64(n)))
    }

    /// A new generator derived from this one (for independent streams).
    public mutating func split() -> RandomGenerator {
        RandomGenerator(seed: next())
    }

    /// Shuffles indices in place (Fisher–Yates).
    public mutating func shuffle(_ a: inout [Int]) {
        if a.count < 2 { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = int(below: i + 1)
            a.swapAt(i, j)
        }
    }
}
