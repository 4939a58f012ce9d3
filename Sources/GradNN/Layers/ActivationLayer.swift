import GradTensor

/// Keras' `Activation` layer (and `LeakyReLU`, `ELU` as layers): applies an
/// activation function on its own, e.g. after BatchNormalization.
public final class ActivationLayer: ActivatedLayer {
    public var name: String
    /// `Activation` for `add activation NAME`; `LeakyReLU` for `add leaky_relu`, as Keras names them.
    public let typeName: String
    public var keyword: String { "activation" }
    public let activation: Activation
    public private(set) var outputShape: [Int] = []
    public private(set) var isBuilt = false
    public var parameters: [Parameter] { [] }
    private let output = Tensor(zeros: [0])
    private let gradient = Tensor(zeros: [0])

    public init(_ activation: Activation, name: String = "activation", typeName: String = "Activation") {
        self.activation = activation
        self.typeName = typeName
        self.name = name
    }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        outputShape = inputShape
        isBuilt = true
    }

    public func callAsFunction(_ input: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor {
        output.assign(input)
        activation.apply(output.data, rows: output.rows, cols: output.columns)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        gradient.assign(outputGradient)
        activation.backward(output: output.data, gradient: gradient.data, rows: output.rows, cols: output.columns)
        return gradient
    }

    public func backward(preActivationGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        preActivationGradient
    }

    public var config: LayerConfig { [("activation", activation.name)] }
}
