import GradTensor

/// Keras' `PReLU`: `x if x > 0 else alpha · x` with a learned `alpha` per unit
/// (initialised to zeros, as in Keras).
public final class PReLU: Layer {
    public var name: String
    public var typeName: String { "PReLU" }
    public var keyword: String { "prelu" }
    public private(set) var alpha: Parameter!
    public private(set) var outputShape: [Int] = []
    public var isBuilt: Bool { alpha != nil }
    public var parameters: [Parameter] { alpha.map { [$0] } ?? [] }
    private let output = Tensor(zeros: [0])
    private let gradient = Tensor(zeros: [0])
    private var lastInput: Tensor?

    public init(name: String = "p_re_lu") { self.name = name }

    /// alpha per input unit: value, gradient and up to two optimizer slots.
    public func estimatedBytes(inputShape: [Int]) -> Int { inputShape.reduce(1, *) * 4 * 4 }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        alpha = Parameter(name: "alpha", layerName: name, shape: inputShape)
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

    public var config: LayerConfig { [] }
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

    public init(lower: Float = 1.0 / 8, upper: Float = 1.0 / 3, name: String = "rrelu") {
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

    public var config: LayerConfig { [("lower", formatFloat(lower)), ("upper", formatFloat(upper))] }
}
