import GradTensor

/// A model variable with its Keras-style path name (`dense/kernel`,
/// `batch_normalization/moving_mean`), its value, its gradient and whether
/// the optimizer may change it.
public final class Parameter {
    /// The variable's own name (`kernel`, `gamma`, `moving_mean`).
    public let name: String
    /// The owning layer's name, kept in sync by the layer.
    public internal(set) var layerName: String
    public let value: Tensor
    /// Filled by the backward pass; meaningless for non-trainable statistics.
    public let gradient: Tensor
    /// Whether the variable is trainable by nature (false for moving statistics).
    public let isTrainableVariable: Bool
    /// Set by freezing the owning layer.
    public var frozen = false
    /// A penalty added to the loss (`kernel_regularizer`).
    public var regularizer: Regularizer?
    /// A projection applied after each optimizer step (`kernel_constraint`).
    public var constraint: Constraint?

    public init(name: String, layerName: String, shape: [Int], trainable: Bool = true) {
        self.name = name
        self.layerName = layerName
        self.value = Tensor(zeros: shape)
        self.gradient = Tensor(zeros: trainable ? shape : [0])
        self.isTrainableVariable = trainable
    }

    /// `layer/name`, as Keras 3 prints `v.path`.
    public var path: String { "\(layerName)/\(name)" }
    /// Whether the optimizer updates it now.
    public var trainable: Bool { isTrainableVariable && !frozen }
    public var count: Int { value.count }
}
