import Foundation
import GradTensor

/// A loss with Keras' name and formula, averaged over the batch.
///
/// Targets arrive as one number per sample: a class index for the
/// cross-entropies (one-hot encoded on the fly for `categorical_crossentropy`),
/// 0/1 for `binary_crossentropy`, a value (or class index against a one-hot
/// target when the output is wider than one unit) for `mean_squared_error`.
/// Probabilities are clipped to [1e-7, 1 − 1e-7] as Keras does.
public enum Loss: String, Sendable, CaseIterable {
    case sparseCategoricalCrossentropy = "sparse_categorical_crossentropy"
    case categoricalCrossentropy = "categorical_crossentropy"
    case binaryCrossentropy = "binary_crossentropy"
    case meanSquaredError = "mean_squared_error"

    public static let epsilon: Float = 1e-7

    public init?(name: String) {
        switch name {
        case "mse": self = .meanSquaredError
        default: self.init(rawValue: name)
        }
    }

    /// The activation whose gradient this loss can hand over fused
    /// (softmax for cross-entropy, sigmoid for binary cross-entropy).
    public var fusedActivation: Activation? {
        switch self {
        case .sparseCategoricalCrossentropy, .categoricalCrossentropy: return .softmax
        case .binaryCrossentropy: return .sigmoid
        case .meanSquaredError: return nil
        }
    }

    /// Mean loss over the batch; writes dL/d(output) into `gradient`, or
    /// dL/d(pre-activation) when `fused` (then the output layer's activation
    /// must be `fusedActivation`).
    public func compute(output: Tensor, targets: UnsafePointer<Float>, gradient: Tensor?, fused: Bool) -> Float {
        let n = output.rows, c = output.columns
        let y = output.data
        let invN = 1 / Float(n)
        gradient?.resize(output.shape)
        let g = gradient?.data
        var total: Double = 0
        let eps = Loss.epsilon
        switch self {
        case .sparseCategoricalCrossentropy, .categoricalCrossentropy:
            // Keras normalizes probabilities by their row sum, then clips.
            for r in 0..<n {
                let row = y + r * c
                // Targets are validated before training; an invalid one never indexes out of bounds.
                let t = Accuracy.classIndex(targets[r])
                guard t >= 0 && t < c else { total = .nan; continue }
                var sum: Float = 0
                for j in 0..<c { sum += row[j] }
                let q = sum == 0 ? 0 : row[t] / sum
                // NaN must propagate (min/max would clip it away and hide a divergence).
                let p = q.isNaN ? q : min(max(q, eps), 1 - eps)
                total -= Double(logf(p))
                if let g {
                    let gr = g + r * c
                    if fused {
                        for j in 0..<c { gr[j] = row[j] * invN }
                        gr[t] -= invN
                    } else if q > eps && q < 1 - eps {
                        for j in 0..<c { gr[j] = invN / sum }
                        gr[t] -= invN / row[t]
                    } else {
                        for j in 0..<c { gr[j] = 0 }
                    }
                }
            }
        case .binaryCrossentropy:
            let invM = invN / Float(c)
            for r in 0..<n {
                for j in 0..<c {
                    let i = r * c + j
                    let t = c == 1 ? targets[r] : (Accuracy.classIndex(targets[r]) == j ? 1 : 0)
                    let p = y[i].isNaN ? y[i] : min(max(y[i], eps), 1 - eps)
                    total -= Double(t * logf(p) + (1 - t) * logf(1 - p)) / Double(c)
                    if let g {
                        if fused { g[i] = (y[i] - t) * invM }
                        else { g[i] = y[i] > eps && y[i] < 1 - eps ? invM * (p - t) / (p * (1 - p)) : 0 }
                    }
                }
            }
        case .meanSquaredError:
            let invM = invN / Float(c)
            for r in 0..<n {
                for j in 0..<c {
                    let i = r * c + j
                    let t = c == 1 ? targets[r] : (Accuracy.classIndex(targets[r]) == j ? 1 : 0)
                    let d = y[i] - t
                    total += Double(d * d) / Double(c)
                    g?[i] = 2 * d * invM
                }
            }
        }
        return Float(total / Double(max(n, 1)))
    }
}
