import GradTensor

/// Keras' `PReLU`: `x if x > 0 else alpha · x` with a learned `alpha` per unit
/// (initialised to zeros, as in Keras).
public final class PReLU: Layer {
    public var name: String
    public var typeName: String { "PReLU" }
    public var keyword: String { "prelu" }
    /// Empty until the layer is built (`isBuilt`).
    public private(set) var alpha = Parameter(name: "alpha", layerName: "", shape: [0])
    public private(set) var outputShape: [Int] = []
    public private(set) var isBuilt = false
    public var parameters: [Parameter] { isBuilt ? [alpha] : [] }
    private let output = Tensor(zeros: [0])
    private let gradient = Tensor(zeros: [0])
    private var lastInput: Tensor?

    public init(name: String = "p_re_lu") { self.name = name }

    /// alpha per input unit: value, gradient and up to two optimizer slots.
    public func estimatedBytes(inputShape: [Int]) -> Int { inputShape.reduce(1, *) * 4 * 4 }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        alpha = Parameter(name: "alpha", layerName: name, shape: inputShape)
        isBuilt = true
        outputShape = inputShape
    }

    public func callAsFunction(_ input: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor {
        output.resize(input.shape)
        let d = input.columns, a = alpha.value.data, x = input.data, y = output.data
        for r in 0..<input.rows {
            for j in 0..<d { let v = x[r * d + j]; y[r * d + j] = v > 0 ? v : a[j] * v }
        }
        lastInput = input
        return output
    }

    public func backward(_ g: Tensor, needsInputGradient: Bool) -> Tensor {
        guard let input = lastInput else { return gradient }
        let d = input.columns, a = alpha.value.data, x = input.data, gd = g.data
        let ga = alpha.gradient.data
        ga.update(repeating: 0, count: d)
        gradient.resize(g.shape)
        let o = gradient.data
        for r in 0..<input.rows {
            for j in 0..<d {
                let i = r * d + j, v = x[i]
                if v > 0 { o[i] = gd[i] } else { o[i] = gd[i] * a[j]; ga[j] += gd[i] * v }
            }
        }
        return gradient
    }

    public var spec: LayerSpec { PReLU.spec }
    public var settings: LayerValues { LayerValues([:]) }

    public static let spec = LayerSpec(
        keyword: "prelu", kerasClass: "PReLU", baseName: "p_re_lu",
        summary: "leaky ReLU whose slopes (one per feature, starting at 0) are learned",
        refusedKerasKeys: ["alpha_regularizer", "alpha_constraint"], example: "add prelu") { _, name in PReLU(name: name) }
}

/// Randomized leaky ReLU (Xu et al. 2015, PyTorch's `RReLU`): in training each
/// negative input gets a slope drawn from U(lower, upper); at inference the
/// mean slope (lower + upper) / 2. Keras has no built-in RReLU.
public final class RReLU: Layer {
    public var name: String
    public var typeName: String { "RReLU" }
    public var keyword: String { "rrelu" }
    public let lower: Float
    public let upper: Float
    public private(set) var outputShape: [Int] = []
    public private(set) var isBuilt = false
    public var parameters: [Parameter] { [] }
    private let output = Tensor(zeros: [0])
    private let slopes = Tensor(zeros: [0])
    private let gradient = Tensor(zeros: [0])

    /// Throws when lower > upper (no slope could be drawn).
    public init(lower: Float = 1.0 / 8, upper: Float = 1.0 / 3, name: String = "rrelu") throws {
        guard lower <= upper else { throw ComponentError("rrelu needs lower ≤ upper (lower=\(formatFloat(lower)), upper=\(formatFloat(upper)))") }
        self.lower = lower
        self.upper = upper
        self.name = name
    }

    public var isStochastic: Bool { true }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        outputShape = inputShape
        isBuilt = true
    }

    public func callAsFunction(_ input: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor {
        output.resize(input.shape)
        slopes.resize(input.shape)
        let x = input.data, y = output.data, s = slopes.data
        let mid = (lower + upper) / 2
        for i in 0..<input.count {
            let v = x[i]
            if v >= 0 { s[i] = 1 } else { s[i] = mode.dropout ? lower + (upper - lower) * rng.uniform() : mid }
            y[i] = v * s[i]
        }
        return output
    }

    public func backward(_ g: Tensor, needsInputGradient: Bool) -> Tensor {
        gradient.resize(g.shape)
        for i in 0..<g.count { gradient[i] = g[i] * slopes[i] }
        return gradient
    }

    public var spec: LayerSpec { RReLU.spec }
    public var settings: LayerValues { LayerValues(["lower": .float(lower), "upper": .float(upper)]) }

    public static let spec = LayerSpec(
        keyword: "rrelu", kerasClass: "RReLU", baseName: "rrelu",
        summary: "leaky ReLU with a random slope in training, the mean slope at inference",
        keys: [LayerKey("lower", .float(0...10), default: .float(1.0 / 8), alwaysShown: true, help: "rrelu: lowest random slope (default 1/8)"),
               LayerKey("upper", .float(0...10), default: .float(1.0 / 3), alwaysShown: true, help: "rrelu: highest random slope (default 1/3)")],
        isKerasBuiltIn: false, example: "add rrelu lower=0.1 upper=0.3") { v, name in try RReLU(lower: v.float("lower"), upper: v.float("upper"), name: name) }
}
