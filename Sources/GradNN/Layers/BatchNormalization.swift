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
    /// Empty until the layer is built (`isBuilt`).
    public private(set) var movingMean = Parameter(name: "moving_mean", layerName: "", shape: [0], trainable: false)
    public private(set) var movingVariance = Parameter(name: "moving_variance", layerName: "", shape: [0], trainable: false)
    public private(set) var outputShape: [Int] = []
    public private(set) var isBuilt = false

    private let output = Tensor(zeros: [0])
    private let normalized = Tensor(zeros: [0])
    private let inputGradient = Tensor(zeros: [0])
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

    public var parameters: [Parameter] { isBuilt ? [gamma, beta, movingMean, movingVariance].compactMap { $0 } : [] }

    /// gamma and beta (value, gradient, two optimizer slots) and the two moving statistics.
    public func estimatedBytes(inputShape: [Int]) -> Int { (inputShape.last ?? 1) * 4 * (2 * 4 + 2) }

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
        isBuilt = true
        lastBatchMean = [Float](repeating: 0, count: d)
        lastBatchVariance = [Float](repeating: 0, count: d)
        outputShape = inputShape
    }

    /// Per-feature scratch, one row of `d` floats each, sized once, so a step
    /// allocates nothing. Raw rows rather than arrays: the two halves of the
    /// features are worked on by two threads at once.
    private let perFeature = Tensor(zeros: [0])
    private struct Rows {
        let mean, variance, shift, invStd, gammaOrOne, betaOrZero, sumDy, sumDyXh, inputScale, zero: UnsafeMutablePointer<Float>
    }
    private var scratchWidth = -1
    private func scratch(_ d: Int) -> Rows {
        if scratchWidth != d { perFeature.resize([10, d]); scratchWidth = d }
        let p = perFeature.data
        return Rows(mean: p, variance: p + d, shift: p + 2 * d, invStd: p + 3 * d, gammaOrOne: p + 4 * d, betaOrZero: p + 5 * d,
                    sumDy: p + 6 * d, sumDyXh: p + 7 * d, inputScale: p + 8 * d, zero: p + 9 * d)
    }

    public func callAsFunction(_ input: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor {
        let n = input.rows, d = input.columns
        output.resize([n, d])
        normalized.resize([n, d])
        let s = scratch(d)
        let useBatch = mode.batchStatistics && !isFrozen && n > 0
        usedBatchStatistics = useBatch
        let (x, xh, y) = (UnsafePointer(input.data), normalized.data, output.data)
        let (mm, mv) = (movingMean.value.data, movingVariance.value.data)
        let (g, b) = (gamma?.value.data, beta?.value.data)
        let (momentum, epsilon) = (momentum, epsilon)
        // Each half of the features, start to end: the statistics, then
        // x̂ = (x − mean)·invStd and y = γ·x̂ + β.
        Parallel.halves(d, granule: 8, elementsPerItem: n, kind: .normalizationForward) { lo, hi in
            let columns = lo..<hi
            for j in columns { s.gammaOrOne[j] = g?[j] ?? 1; s.betaOrZero[j] = b?[j] ?? 0 }
            if useBatch {
                Vectorized.batchNormTraining(x, normalized: xh, into: y, rows: n, cols: d, columns: columns,
                                             epsilon: epsilon, momentum: momentum, mean: s.mean, variance: s.variance,
                                             invStd: s.invStd, gamma: s.gammaOrOne, beta: s.betaOrZero,
                                             movingMean: mm, movingVariance: mv)
            } else {
                for j in columns { s.invStd[j] = 1 / (mv[j] + epsilon).squareRoot(); s.shift[j] = -mm[j] }
                Vectorized.batchNormForward(x, normalized: xh, into: y, rows: n, cols: d, columns: columns,
                                            shift: s.shift, invStd: s.invStd, gamma: s.gammaOrOne, beta: s.betaOrZero)
            }
        }
        if useBatch {
            // Through buffers: an element-wise store to a stored array costs an exclusivity check
            // per element in the checked build (11M instructions per epoch of 2,000 samples).
            lastBatchMean.withUnsafeMutableBufferPointer { m in
                lastBatchVariance.withUnsafeMutableBufferPointer { v in
                    for j in 0..<min(d, m.count, v.count) { m[j] = s.mean[j]; v[j] = s.variance[j] }
                }
            }
        }
        return output
    }

    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        let n = dy.rows, d = dy.columns
        let s = scratch(d)
        if needsInputGradient { inputGradient.resize([n, d]) }
        let (dyp, xh, dx) = (UnsafePointer(dy.data), UnsafePointer(normalized.data), inputGradient.data)
        let (gammaGradient, betaGradient) = (gamma?.gradient.data, beta?.gradient.data)
        let batch = usedBatchStatistics
        // Each half of the features, start to end: Σdy and Σdy·x̂ (the gradients
        // of β and γ), then the input gradient; γ and invStd are the forward pass's.
        Parallel.halves(d, granule: 8, elementsPerItem: n, kind: .normalizationBackward) { lo, hi in
            let columns = lo..<hi
            Vectorized.batchNormGradients(dyp, xh, into: needsInputGradient && batch ? dx : nil, rows: n, cols: d, columns: columns,
                                          gamma: s.gammaOrOne, invStd: s.invStd, sumDy: s.sumDy, sumDyXh: s.sumDyXh)
            for j in columns { gammaGradient?[j] = s.sumDyXh[j]; betaGradient?[j] = s.sumDy[j] }
            guard needsInputGradient, !batch else { return }
            // The moving statistics are constants: dx = γ·invStd·dy.
            for j in columns { s.inputScale[j] = s.gammaOrOne[j] * s.invStd[j]; s.zero[j] = 0 }
            Vectorized.scaleShiftRows(dyp, into: dx, rows: n, cols: d, columns: columns, scale: s.inputScale, shift: s.zero)
        }
        return inputGradient
    }

    /// This layer's last output as `x̂·γ + β`, for the dense layer after it to
    /// fold dγ and dβ into its backward pass (see `AffineInput`); nil before
    /// the first forward pass.
    public var affineOutput: AffineInput? {
        let d = normalized.columns
        guard isBuilt, d == outputShape.first, normalized.rows > 0 else { return nil }
        let s = scratch(d)
        return AffineInput(normalized: normalized, gamma: s.gammaOrOne, beta: s.betaOrZero,
                           gammaGradient: gamma?.gradient.data ?? s.sumDyXh, betaGradient: beta?.gradient.data ?? s.sumDy)
    }

    public var spec: LayerSpec { BatchNormalization.spec }
    public var settings: LayerValues {
        LayerValues(["momentum": .float(momentum), "epsilon": .float(epsilon), "center": .bool(center), "scale": .bool(scale)])
    }

    public static let spec = LayerSpec(
        keyword: "batchnorm", aliases: ["batch_normalization", "bn"], kerasClass: "BatchNormalization", baseName: "batch_normalization",
        summary: "normalizes each feature over the batch, then scales by gamma and shifts by beta",
        keys: [LayerKey("momentum", .float(0...1), default: .float(0.99), alwaysShown: true, help: "batchnorm: weight of the moving average (default 0.99)"),
               LayerKey("epsilon", .float(1e-12...10), default: .float(0.001), alwaysShown: true, help: "batchnorm: added to the variance (default 0.001)"),
               LayerKey("center", .bool, default: .bool(true), help: "batchnorm: learn beta (default true)"),
               LayerKey("scale", .bool, default: .bool(true), help: "batchnorm: learn gamma (default true)")],
        refusedKerasKeys: ["beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint", "renorm"],
        example: "add batchnorm momentum=0.9") { v, name in
        BatchNormalization(momentum: v.float("momentum"), epsilon: v.float("epsilon"), center: v.bool("center"), scale: v.bool("scale"), name: name)
    }
}
