import GradTensor

/// Keras' `Dropout(rate)`: in training, each unit is zeroed with probability
/// `rate` and the survivors are scaled by 1 / (1 − rate); otherwise identity.
/// It follows `ForwardMode.dropout`, so MC Dropout turns it on alone.
public final class Dropout: Layer {
    public var name: String
    public var typeName: String { "Dropout" }
    public var keyword: String { "dropout" }
    public let rate: Float
    public private(set) var outputShape: [Int] = []
    public private(set) var isBuilt = false
    public var parameters: [Parameter] { [] }
    private let output = Tensor(zeros: [0])
    private let gradient = Tensor(zeros: [0])
    private var active = false
    /// The last forward pass's key: backward recomputes its factors from it instead of keeping a mask.
    private var key: UInt64 = 0

    public init(rate: Float, name: String = "dropout") {
        self.rate = rate
        self.name = name
    }

    public var isStochastic: Bool { true }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        outputShape = inputShape
        isBuilt = true
    }

    public func callAsFunction(_ input: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor {
        active = mode.dropout && rate > 0
        guard active else { return input }
        output.resize(input.shape)
        // No mask is stored (an MC Dropout pass would write one as large as its input for
        // nothing): the key is, and backward works in every mode, as a gradient check needs.
        key = rng.next()
        Vectorized.dropout(input.data, output.data, input.count, rate: rate, key: key)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        guard active else { return outputGradient }
        gradient.resize(outputGradient.shape)
        // The forward pass's factors, recomputed from its key: g · factor, as g · mask was.
        Vectorized.dropout(outputGradient.data, gradient.data, outputGradient.count, rate: rate, key: key)
        return gradient
    }

    public var spec: LayerSpec { Dropout.spec }
    public var settings: LayerValues { LayerValues(["rate": .float(rate)]) }

    public static let spec = LayerSpec(
        keyword: "dropout", kerasClass: "Dropout", baseName: "dropout",
        summary: "in training, zeroes each input with probability rate and scales the rest by 1/(1 − rate)",
        keys: [LayerKey("rate", .float(0...0.99), positional: true, alwaysShown: true, help: "dropout: fraction of units dropped")],
        refusedKerasKeys: ["noise_shape"], example: "add dropout 0.2") { v, name in Dropout(rate: v.float("rate"), name: name) }
}

/// Keras' `AlphaDropout(rate)` for SELU networks: dropped units are set to
/// alpha' = −scale·alpha of SELU, then `y = a·x + b` with
/// `a = ((1 − rate)(1 + rate·alpha'²))^(−1/2)` and `b = −a·alpha'·rate`,
/// keeping mean 0 and variance 1.
public final class AlphaDropout: Layer {
    public var name: String
    public var typeName: String { "AlphaDropout" }
    public var keyword: String { "alpha_dropout" }
    public let rate: Float
    public private(set) var outputShape: [Int] = []
    public private(set) var isBuilt = false
    public var parameters: [Parameter] { [] }
    private let output = Tensor(zeros: [0])
    private let mask = Tensor(zeros: [0])
    private let gradient = Tensor(zeros: [0])
    private var active = false

    public init(rate: Float, name: String = "alpha_dropout") {
        self.rate = rate
        self.name = name
    }

    public var isStochastic: Bool { true }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        outputShape = inputShape
        isBuilt = true
    }

    var coefficients: (alphaP: Float, a: Float, b: Float) {
        let alphaP = -Activation.seluScale * Activation.seluAlpha
        let a = 1 / ((1 - rate) * (1 + rate * alphaP * alphaP)).squareRoot()
        return (alphaP, a, -a * alphaP * rate)
    }

    public func callAsFunction(_ input: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor {
        active = mode.dropout && rate > 0
        guard active else { return input }
        output.resize(input.shape)
        mask.resize(input.shape)
        let (alphaP, a, b) = coefficients
        let x = input.data, y = output.data, m = mask.data
        for i in 0..<input.count {
            let kept = rng.uniform() >= rate
            m[i] = kept ? a : 0
            y[i] = a * (kept ? x[i] : alphaP) + b
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        guard active else { return outputGradient }
        gradient.resize(outputGradient.shape)
        for i in 0..<outputGradient.count { gradient[i] = outputGradient[i] * mask[i] }
        return gradient
    }

    public var spec: LayerSpec { AlphaDropout.spec }
    public var settings: LayerValues { LayerValues(["rate": .float(rate)]) }

    public static let spec = LayerSpec(
        keyword: "alpha_dropout", kerasClass: "AlphaDropout", baseName: "alpha_dropout",
        summary: "dropout for SELU networks: keeps the mean and variance of its input",
        keys: [LayerKey("rate", .float(0...0.99), positional: true, alwaysShown: true, help: "alpha_dropout: fraction of units dropped")],
        refusedKerasKeys: ["noise_shape"], example: "add alpha_dropout 0.1") { v, name in AlphaDropout(rate: v.float("rate"), name: name) }
}
