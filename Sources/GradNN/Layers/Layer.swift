import GradTensor

/// How a forward pass runs: Keras' `training` argument, split in two so that
/// MC Dropout can turn dropout on while BatchNormalization stays in inference
/// mode (the trap of keras#9412), and the generator that dropout draws from.
public struct ForwardMode {
    /// BatchNormalization uses batch statistics and updates its moving ones.
    public var batchStatistics: Bool
    /// Dropout-like layers drop units.
    public var dropout: Bool

    public static let training = ForwardMode(batchStatistics: true, dropout: true)
    public static let inference = ForwardMode(batchStatistics: false, dropout: false)
    /// MC Dropout: dropout on, BatchNormalization in inference mode.
    public static let monteCarlo = ForwardMode(batchStatistics: false, dropout: true)

    public init(batchStatistics: Bool, dropout: Bool) {
        self.batchStatistics = batchStatistics
        self.dropout = dropout
    }
}

/// One configuration entry of a layer, as the summary, JSON config and
/// exports show it.
public typealias LayerConfig = [(key: String, value: String)]

/// A Keras-style layer: a small class with plain stored parameters, a forward
/// pass (`callAsFunction`) and, right under it, the backward pass.
///
/// Tensors flow as matrices [batch, features]; `outputShape` is the per-sample
/// shape Keras would print. Layers own their output and gradient workspaces.
public protocol Layer: AnyObject {
    /// Unique within a model: `dense`, `dense_1`, `batch_normalization`…
    var name: String { get set }
    /// The Keras class name (`Dense`, `BatchNormalization`).
    var typeName: String { get }
    /// The `add` keyword that creates this layer (`dense`, `batchnorm`).
    var keyword: String { get }
    /// Per-sample output shape, known once built.
    var outputShape: [Int] { get }
    /// All variables, trainable and not, in Keras' order.
    var parameters: [Parameter] { get }
    /// Whether the layer has been built for an input shape.
    var isBuilt: Bool { get }
    /// Creates the variables for a per-sample input shape; throws a
    /// `ModelError` when the shape does not fit.
    func build(inputShape: [Int], rng: inout RandomGenerator) throws
    /// The forward pass on a [batch, features] matrix.
    func callAsFunction(_ input: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor
    /// The backward pass: fills parameter gradients and returns dL/dinput
    /// (or an empty tensor when `needsInputGradient` is false).
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor
    /// What this kind of layer is: keyword, Keras class, settings and maker.
    var spec: LayerSpec { get }
    /// The settings the layer was made with, by its spec's keys.
    var settings: LayerValues { get }
    /// Settings that define the layer, as text (for summary, save and export);
    /// by default its spec's rendering of `settings`.
    var config: LayerConfig { get }
    /// Bytes a build would allocate, so absurd sizes are refused first.
    func estimatedBytes(inputShape: [Int]) -> Int
    /// The per-sample output shape for a per-sample input shape, without
    /// building (Keras' `compute_output_shape`); a `ModelError` when it does not fit.
    func outputShape(for inputShape: [Int]) throws -> [Int]
    /// Whether the layer draws random numbers when dropout is on (MC Dropout
    /// and `evaluate … mc` need at least one such layer).
    var isStochastic: Bool { get }
    /// Whether it stays stochastic at inference too (the book's MCDropout):
    /// `evaluate` and `predict` then differ from call to call, as in Keras.
    var isStochasticAtInference: Bool { get }
    /// Renames the layer and its variables' paths.
    func rename(_ newName: String)
}

public extension Layer {
    var trainableCount: Int { parameters.filter { $0.trainable }.reduce(0) { $0 + $1.count } }
    var nonTrainableCount: Int { parameters.filter { !$0.trainable }.reduce(0) { $0 + $1.count } }
    var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
    /// A layer is frozen when it has parameters and none is trainable because of freezing.
    var isFrozen: Bool { parameters.contains { $0.frozen } }
    func setFrozen(_ frozen: Bool) { for p in parameters { p.frozen = frozen } }
    func estimatedBytes(inputShape: [Int]) -> Int { 0 }
    var config: LayerConfig { spec.config(settings) }
    /// Element-wise layers keep the shape.
    func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    var isStochastic: Bool { false }
    var isStochasticAtInference: Bool { false }
    func rename(_ newName: String) {
        name = newName
        for p in parameters { p.layerName = newName }
    }
}

/// A layer whose last step is an activation function, so that a
/// softmax + cross-entropy pair can be fused: the loss hands over dL/dz.
public protocol ActivatedLayer: Layer {
    var activation: Activation { get }
    /// Backward pass from the gradient with respect to the pre-activation.
    func backward(preActivationGradient: Tensor, needsInputGradient: Bool) -> Tensor
}

/// Errors in building or changing a model: each is one sentence a learner can act on.
public struct ModelError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
