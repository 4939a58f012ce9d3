import GradTensor

/// The book's `MCAlphaDropout`: Keras' `AlphaDropout` whose `call` always
/// passes `training=True`, for MC Dropout in SELU networks: alpha dropout
/// stays on at inference (`evaluate`, `predict`), BatchNormalization still
/// follows the mode.
public final class MCAlphaDropout: Layer {
    public var name: String
    public var typeName: String { "MCAlphaDropout" }
    public var keyword: String { "mc_alpha_dropout" }
    /// The alpha dropout it runs, always in training mode.
    private let dropout: AlphaDropout
    public var rate: Float { dropout.rate }
    public var outputShape: [Int] { dropout.outputShape }
    public var isBuilt: Bool { dropout.isBuilt }
    public var parameters: [Parameter] { [] }

    public init(rate: Float, name: String = "mc_alpha_dropout") {
        dropout = AlphaDropout(rate: rate, name: name)
        self.name = name
    }

    public var isStochastic: Bool { true }
    public var isStochasticAtInference: Bool { true }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        try dropout.build(inputShape: inputShape, rng: &rng)
    }

    public func callAsFunction(_ input: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor {
        dropout(input, mode: ForwardMode(batchStatistics: mode.batchStatistics, dropout: true), rng: &rng)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        dropout.backward(outputGradient, needsInputGradient: needsInputGradient)
    }

    public var spec: LayerSpec { MCAlphaDropout.spec }
    public var settings: LayerValues { LayerValues(["rate": .float(rate)]) }

    public static let spec = LayerSpec(
        keyword: "mc_alpha_dropout", kerasClass: "MCAlphaDropout", baseName: "mc_alpha_dropout",
        summary: "alpha dropout that stays on at inference too (the book's MCAlphaDropout), for SELU networks",
        keys: [
            LayerKey("rate", .float(0...0.99), positional: true, alwaysShown: true,
                     help: "mc_alpha_dropout: fraction of units dropped, in training and inference"),
        ],
        refusedKerasKeys: ["noise_shape"], isKerasBuiltIn: false, example: "add mc_alpha_dropout 0.1"
    ) { v, name in MCAlphaDropout(rate: v.float("rate"), name: name) }
}
