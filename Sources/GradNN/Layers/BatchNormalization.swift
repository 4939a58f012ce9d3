import Foundation
import GradTensor

/// Keras' `BatchNormalization` over the feature axis.
///
/// Training: `y = gamma · (x − mean_B) / sqrt(var_B + epsilon) + beta` with the
/// batch's mean and biased variance, then
/// `moving = moving · momentum + batch_stat · (1 − momentum)` — Keras' momentum
/// weights the *moving average* (0.99), unlike MLX / PyTorch whose momentum
/// weights the batch (0.1). Inference uses the moving statistics. A frozen
/// layer runs in inference mode, as in Keras 3.
public final class BatchNormalization: Layer {
    public var name: String
    public var typeName: String { "BatchNormalization" }
    public var keyword: String { "batchnorm" }
    public let momentum: Float
    public let epsilon: Float
    public let center: Bool
    public let scale: Bool
    public private(set) var gamma: Parameter?
    public private(set) var beta: Parameter?
    public private(set) var movingMean: Parameter!
    public private(set) var movingVariance: Parameter!
    public private(set) var outputShape: [Int] = []
    public var isBuilt: Bool { movingMean != nil }

    private let output = Tensor(zeros: [0])
    private let normalized = Tensor(zeros: [0])
    private let inputGradient = Tensor(zeros: [0])
    private var invStd: [Float] = []
    private var usedBatchStatistics = false
    /// The last batch's mean and variance (for `explain bn` and `vars`).
    public private(set) var lastBatchMean: [Float] = []
    public private(set) var lastBatchVariance: [Float] = []

    public init(momentum: Float = 0.99, epsilon: Float = 0.001, center: Bool = true, scale: Bool = true,
                name: String = "batch_normalization") {
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.name = name
    }

    public var parameters: [Parameter] { [gamma, beta, movingMean, movingVariance].compactMap { $0 } }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        guard inputShape.count == 1 else {
            throw ModelError("batchnorm here normalizes flat features but gets shape \(shapeText(inputShape)); add flatten first")
        }
        let d = inputShape[0]
        if scale { gamma = Parameter(name: "gamma", layerName: name, shape: [d]); gamma!.value.fill(1) }
        if center { beta = Parameter(name: "beta", layerName: name, shape: [d]) }
        movingMean = Parameter(name: "moving_mean", layerName: name, shape: [d], trainable: false)
        movingVariance = Parameter(name: "moving_variance", layerName: name, shape: [d], trainable: false)
        movingVariance.value.fill(1)
        invStd = [Float](repeating: 0, count: d)
        lastBatchMean = [Float](repeating: 0, count: d)
        lastBatchVariance = [Float](repeating: 0, count: d)
        outputShape = inputShape
    }

    public func callAsFunction(_ input: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor {
        let n = input.rows, d = input.columns
        output.resize([n, d])
        normalized.resize([n, d])
        let x = input.data, y = output.data, xh = normalized.data
        let g = gamma?.value.data, b = beta?.value.data
        let useBatch = mode.batchStatistics && !isFrozen && n > 0
        usedBatchStatistics = useBatch
        if useBatch {
            var mean = [Float](repeating: 0, count: d), varc = [Float](repeating: 0, count: d)
            for r in 0..<n { let row = x + r * d; for j in 0..<d { mean[j] += row[j] } }
            let invN = 1 / Float(n)
            for j in 0..<d { mean[j] *= invN }
            for r in 0..<n { let row = x + r * d; for j in 0..<d { let c = row[j] - mean[j]; varc[j] += c * c } }
            let mm = movingMean.value.data, mv = movingVariance.value.data
            for j in 0..<d {
                varc[j] *= invN
                invStd[j] = 1 / (varc[j] + epsilon).squareRoot()
                mm[j] = mm[j] * momentum + mean[j] * (1 - momentum)
                mv[j] = mv[j] * momentum + varc[j] * (1 - momentum)
            }
            lastBatchMean = mean
            lastBatchVariance = varc
            for r in 0..<n {
                let row = x + r * d, o = y + r * d, h = xh + r * d
                for j in 0..<d {
                    let v = (row[j] - mean[j]) * invStd[j]
                    h[j] = v
                    o[j] = v * (g?[j] ?? 1) + (b?[j] ?? 0)
                }
            }
        } else {
            let mm = movingMean.value.data, mv = movingVariance.value.data
            for j in 0..<d { invStd[j] = 1 / (mv[j] + epsilon).squareRoot() }
            for r in 0..<n {
                let row = x + r * d, o = y + r * d, h = xh + r * d
                for j in 0..<d {
                    let v = (row[j] - mm[j]) * invStd[j]
                    h[j] = v
                    o[j] = v * (g?[j] ?? 1) + (b?[j] ?? 0)
                }
            }
        }
        return output
    }

    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        let n = dy.rows, d = dy.columns
        let gy = dy.data, xh = normalized.data
        var sumDy = [Float](repeating: 0, count: d), sumDyXh = [Float](repeating: 0, count: d)
        for r in 0..<n {
            let gr = gy + r * d, hr = xh + r * d
            for j in 0..<d { sumDy[j] += gr[j]; sumDyXh[j] += gr[j] * hr[j] }
        }
        if let gm = gamma { for j in 0..<d { gm.gradient[j] = sumDyXh[j] } }
        if let bt = beta { for j in 0..<d { bt.gradient[j] = sumDy[j] } }
        guard needsInputGradient else { return inputGradient }
        inputGradient.resize([n, d])
        let dx = inputGradient.data
        let g = gamma?.value.data
        if usedBatchStatistics {
            let invN = 1 / Float(n)
            for r in 0..<n {
                let gr = gy + r * d, hr = xh + r * d, o = dx + r * d
                for j in 0..<d {
                    let scale = (g?[j] ?? 1) * invStd[j]
                    o[j] = scale * (gr[j] - invN * sumDy[j] - hr[j] * invN * sumDyXh[j])
                }
            }
        } else {
            for r in 0..<n {
                let gr = gy + r * d, o = dx + r * d
                for j in 0..<d { o[j] = gr[j] * (g?[j] ?? 1) * invStd[j] }
            }
        }
        return inputGradient
    }

    public var config: LayerConfig {
        var c: LayerConfig = [("momentum", formatFloat(momentum)), ("epsilon", formatFloat(epsilon))]
        if !center { c.append(("center", "false")) }
        if !scale { c.append(("scale", "false")) }
        return c
    }
}
