import Foundation
import GradTensor

/// Two-dimensional toy data sets generated from the session's seed, so the
/// shell works with no files at all (scikit-learn's moons and circles, plus
/// spirals and xor).
public enum Synthetic: String, CaseIterable, Sendable {
    case moons, circles, spirals, xor

    /// `n` training samples and n/5 test samples, with Gaussian `noise`.
    public func generate(n: Int, noise: Float, classes: Int = 2, rng: inout RandomGenerator) -> Dataset {
        let testN = max(1, n / 5)
        let train = make(n, noise, classes, &rng)
        let test = make(testN, noise, classes, &rng)
        let k = self == .spirals ? classes : 2
        return Dataset(name: rawValue, train: DataSplit(storage: train, range: 0..<n),
                       test: DataSplit(storage: test, range: 0..<testN), classCount: k)
    }

    private func make(_ n: Int, _ noise: Float, _ classes: Int, _ rng: inout RandomGenerator) -> SampleStorage {
        var x = [Float](repeating: 0, count: n * 2)
        var y = [Float](repeating: 0, count: n)
        for i in 0..<n {
            var a: Float = 0, b: Float = 0, c = 0
            switch self {
            case .moons:
                c = i % 2
                let t = Float.pi * rng.uniform()
                if c == 0 { a = cosf(t); b = sinf(t) } else { a = 1 - cosf(t); b = 0.5 - sinf(t) }
            case .circles:
                c = i % 2
                let t = 2 * Float.pi * rng.uniform()
                let r: Float = c == 0 ? 1 : 0.5
                a = r * cosf(t); b = r * sinf(t)
            case .spirals:
                c = i % max(classes, 2)
                let r = rng.uniform()
                let t = 4 * r + 2 * Float.pi * Float(c) / Float(max(classes, 2))
                a = r * cosf(t); b = r * sinf(t)
            case .xor:
                a = 2 * rng.uniform() - 1; b = 2 * rng.uniform() - 1
                c = (a > 0) != (b > 0) ? 1 : 0
            }
            x[2 * i] = a + noise * rng.normal()
            x[2 * i + 1] = b + noise * rng.normal()
            y[i] = Float(c)
        }
        return SampleStorage(features: .floats(x), sampleShape: [2], targets: y)
    }
}
