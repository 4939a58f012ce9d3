import Foundation

/// Summary statistics of a set of numbers, as `vars` and `weights` print them.
public struct Statistics: Sendable, Equatable {
    public var count: Int
    public var mean: Double
    public var std: Double
    public var min: Double
    public var max: Double
    /// Root of the sum of squares (the L2 norm).
    public var norm: Double

    public init(_ values: UnsafeBufferPointer<Float>) {
        count = values.count
        guard !values.isEmpty else { mean = 0; std = 0; min = 0; max = 0; norm = 0; return }
        var s = 0.0, ss = 0.0, lo = Double.infinity, hi = -Double.infinity
        for v in values {
            let d = Double(v)
            s += d; ss += d * d
            if d < lo { lo = d }
            if d > hi { hi = d }
        }
        let m = s / Double(values.count)
        mean = m
        std = (Swift.max(0, ss / Double(values.count) - m * m)).squareRoot()
        min = lo; max = hi
        norm = ss.squareRoot()
    }

    public init(_ tensor: Tensor) {
        self.init(UnsafeBufferPointer(tensor.buffer))
    }
}
