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
    /// The input, kept for activations whose derivative needs it (swish, GELU, Mish).
    private let input = Tensor(zeros: [0])

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
        if activation.needsInput { self.input.assign(input) }
        output.assign(input)
        activation.apply(output.data, rows: output.rows, cols: output.columns)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        gradient.assign(outputGradient)
        activation.backward(input: activation.needsInput ? UnsafePointer(input.data) : nil, output: output.data, gradient: gradient.data,
                            rows: output.rows, cols: output.columns)
        return gradient
    }

    public func backward(preActivationGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        preActivationGradient
    }

    public var spec: LayerSpec {
        switch typeName {
        case "LeakyReLU": return ActivationLayer.leakyReLUSpec
        case "ELU": return ActivationLayer.eluSpec
        default: return ActivationLayer.spec
        }
    }

    public var settings: LayerValues {
        switch activation {
        case .leakyRelu(let a) where typeName == "LeakyReLU": return LayerValues(["negative_slope": .float(a)])
        case .elu(let a) where typeName == "ELU": return LayerValues(["alpha": .float(a)])
        default: return LayerValues(["activation": .activation(activation)])
        }
    }

    public static let spec = LayerSpec(
        keyword: "activation", kerasClass: "Activation", baseName: "activation", summary: "applies an activation function on its own",
        keys: [LayerKey("activation", .activation, positional: true, alwaysShown: true, help: "activation: the function, e.g. relu, elu(0.5)")],
        example: "add activation elu") { v, name in ActivationLayer(v.activation("activation"), name: name) }

    /// Keras 3's `LeakyReLU` layer: its default slope is 0.3, where the
    /// `leaky_relu` function's (`activation=leaky_relu`) is 0.2.
    public static let leakyReLUSpec = LayerSpec(
        keyword: "leaky_relu", aliases: ["leakyrelu"], kerasClass: "LeakyReLU", baseName: "leaky_re_lu",
        summary: "x if x > 0 else negative_slope·x, as a layer",
        keys: [LayerKey("negative_slope", .float(0...10), default: .float(0.3), aliases: ["alpha"], positional: true, alwaysShown: true,
                        help: "leaky_relu: slope for x < 0 (default 0.3, as Keras' LeakyReLU layer; the leaky_relu function's is 0.2)")],
        example: "add leaky_relu negative_slope=0.2") { v, name in
        ActivationLayer(.leakyRelu(alpha: v.float("negative_slope")), name: name, typeName: "LeakyReLU")
    }

    /// Keras' `ELU` layer.
    public static let eluSpec = LayerSpec(
        keyword: "elu", kerasClass: "ELU", baseName: "elu", summary: "x if x > 0 else alpha·(exp(x) − 1), as a layer",
        keys: [LayerKey("alpha", .float(0...100), default: .float(1), positional: true, alwaysShown: true, help: "elu: the value approached for x → −∞ is −alpha (default 1)")],
        example: "add elu alpha=0.5") { v, name in ActivationLayer(.elu(alpha: v.float("alpha")), name: name, typeName: "ELU") }
}
