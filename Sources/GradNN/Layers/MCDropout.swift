import GradTensor

/// The book's `MCDropout`: Keras' `Dropout` whose `call` always passes
/// `training=True`, so units are dropped at inference too (`evaluate` and
/// `predict` give a different answer each time, and their mean over many
/// calls is MC Dropout). Only dropout is forced on: BatchNormalization
/// elsewhere in the model still follows the mode (keras#9412's trap avoided).
public final class MCDropout: Layer {
    public var name: String
    public var typeName: String { "MCDropout" }
    public var keyword: String { "mc_dropout" }
    /// The dropout it runs, always in training mode.
    private let dropout: Dropout
    public var rate: Float { dropout.rate }
    public var outputShape: [Int] { dropout.outputShape }
    public var isBuilt: Bool { dropout.isBuilt }
    public var parameters: [Parameter] { [] }

    public init(rate: Float, name: String = "mc_dropout") {
        dropout = Dropout(rate: rate, name: name)
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

    public var spec: LayerSpec { MCDropout.spec }
    public var settings: LayerValues { LayerValues(["rate": .float(rate)]) }

    public static let spec = LayerSpec(
        keyword: "mc_dropout", kerasClass: "MCDropout", baseName: "mc_dropout",
        summary: "dropout that stays on at inference too (the book's MCDropout): evaluate and predict become stochastic",
        keys: [
            LayerKey("rate", .float(0...0.99), positional: true, alwaysShown: true,
                     help: "mc_dropout: fraction of units dropped, in training and inference"),
        ],
        refusedKerasKeys: ["noise_shape"], isKerasBuiltIn: false, example: "add mc_dropout 0.1"
    ) { v, name in MCDropout(rate: v.float("rate"), name: name) }
}
