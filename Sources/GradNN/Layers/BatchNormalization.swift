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

    // Per-feature scratch, sized by `build`, so a step allocates nothing.
    private var shift: [Float] = [], gammaOrOne: [Float] = [], betaOrZero: [Float] = []
    private var sumDy: [Float] = [], sumDyXh: [Float] = [], inputScale: [Float] = [], meanDy: [Float] = [], meanDyXh: [Float] = []

    private func ensureScratch(_ d: Int) {
        guard shift.count != d else { return }
        for keyPath in [\BatchNormalization.shift, \.gammaOrOne, \.betaOrZero, \.sumDy, \.sumDyXh, \.inputScale, \.meanDy, \.meanDyXh] {
            self[keyPath: keyPath] = [Float](repeating: 0, count: d)
        }
    }

    public func callAsFunction(_ input: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor {
        let n = input.rows, d = input.columns
        output.resize([n, d])
        normalized.resize([n, d])
        ensureScratch(d)
        let x = input.data
        let useBatch = mode.batchStatistics && !isFrozen && n > 0
        usedBatchStatistics = useBatch
        if useBatch {
            Vectorized.columnSums(x, rows: n, cols: d, into: &lastBatchMean)
            let invN = 1 / Float(n)
            for j in 0..<d { lastBatchMean[j] *= invN; shift[j] = -lastBatchMean[j] }
            Vectorized.columnSumsOfSquares(x, rows: n, cols: d, shift: shift, into: &lastBatchVariance)
            let mm = movingMean.value.data, mv = movingVariance.value.data
            for j in 0..<d {
                lastBatchVariance[j] *= invN
                invStd[j] = 1 / (lastBatchVariance[j] + epsilon).squareRoot()
                mm[j] = mm[j] * momentum + lastBatchMean[j] * (1 - momentum)
                mv[j] = mv[j] * momentum + lastBatchVariance[j] * (1 - momentum)
            }
        } else {
            let mm = movingMean.value.data, mv = movingVariance.value.data
            for j in 0..<d { invStd[j] = 1 / (mv[j] + epsilon).squareRoot(); shift[j] = -mm[j] }
        }
        // x̂ = (x − mean)·invStd and y = γ·x̂ + β in one pass.
        if let g = gamma?.value.data { for j in 0..<d { gammaOrOne[j] = g[j] } } else { for j in 0..<d { gammaOrOne[j] = 1 } }
        if let b = self.beta?.value.data { for j in 0..<d { betaOrZero[j] = b[j] } } else { for j in 0..<d { betaOrZero[j] = 0 } }
        let xh = normalized.data, y = output.data
        let (s, c, g, b) = (shift, invStd, gammaOrOne, betaOrZero)
        Parallel.halves(n, granule: 1, elementsPerItem: d, kind: 3) { lo, hi in
            Vectorized.batchNormForward(x + lo * d, normalized: xh + lo * d, into: y + lo * d, rows: hi - lo, cols: d,
                                        shift: s, invStd: c, gamma: g, beta: b)
        }
        return output
    }

    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        let n = dy.rows, d = dy.columns
        ensureScratch(d)
        Vectorized.columnSums(dy.data, rows: n, cols: d, into: &sumDy)
        Vectorized.columnDots(dy.data, normalized.data, rows: n, cols: d, into: &sumDyXh)
        if let gm = gamma { for j in 0..<d { gm.gradient[j] = sumDyXh[j] } }
        if let bt = beta { for j in 0..<d { bt.gradient[j] = sumDy[j] } }
        guard needsInputGradient else { return inputGradient }
        inputGradient.resize([n, d])
        let g = gamma?.value.data
        for j in 0..<d { inputScale[j] = (g?[j] ?? 1) * invStd[j] }
        if usedBatchStatistics {
            // dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂))
            let invN = 1 / Float(n)
            for j in 0..<d { meanDy[j] = -invN * sumDy[j]; meanDyXh[j] = -invN * sumDyXh[j] }
            let (g, xh, out) = (dy.data, normalized.data, inputGradient.data)
            let (c, a, b) = (inputScale, meanDy, meanDyXh)
            Parallel.halves(n, granule: 1, elementsPerItem: d, kind: 4) { lo, hi in
                Vectorized.batchNormBackward(g + lo * d, xh + lo * d, into: out + lo * d, rows: hi - lo, cols: d,
                                             scale: c, meanDy: a, meanDyXh: b)
            }
        } else {
            for j in 0..<d { meanDy[j] = 0 }
            Vectorized.scaleShiftRows(dy.data, into: inputGradient.data, rows: n, cols: d, scale: inputScale, shift: meanDy)
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
