import GradTensor

/// Keras' `accuracy` as `compile(metrics=["accuracy"])` resolves it: the
/// arg-max class for a multi-unit output, a 0.5 threshold for a single unit.
public enum Accuracy {
    /// A target as a class index, or −1 when it is not one (negative,
    /// fractional, huge or non-finite) — never a trap.
    @inline(__always)
    public static func classIndex(_ t: Float) -> Int {
        t.isFinite && t >= 0 && t < 1e9 && t == t.rounded() ? Int(t) : -1
    }

    /// How many rows of `output` match their target.
    public static func correct(output: Tensor, targets: UnsafePointer<Float>) -> Int {
        let n = output.rows, c = output.columns, y = output.data
        var hits = 0
        for r in 0..<n {
            if c == 1 {
                // One unit: (output > 0.5) against the target's integer part.
                let t = targets[r]
                if t.isFinite && abs(t) < 1e9, (y[r] > 0.5 ? 1 : 0) == Int(t) { hits += 1 }
            } else if argmax(y + r * c, c) == classIndex(targets[r]) {
                hits += 1
            }
        }
        return hits
    }

    /// The index of the largest of `count` values.
    @inline(__always)
    public static func argmax(_ p: UnsafePointer<Float>, _ count: Int) -> Int {
        var best = 0
        for j in 1..<max(count, 1) where p[j] > p[best] { best = j }
        return best
    }
}
