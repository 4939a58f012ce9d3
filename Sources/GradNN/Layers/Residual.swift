import GradTensor

/// A residual block around one Dense layer: `y = x + dense(x)`, the skip
/// connection of He et al. The dense layer keeps the input's width so the sum
/// is defined.
public final class Residual: Layer {
    public var name: String {
        didSet { inner.rename(name + "_dense") }
    }
    public var typeName: String { "Residual" }
    public var keyword: String { "residual" }
    public let inner: Dense
    public private(set) var outputShape: [Int] = []
    public var isBuilt: Bool { inner.isBuilt }
    public var parameters: [Parameter] { inner.parameters }
    private let output = Tensor(zeros: [0])
    private let gradient = Tensor(zeros: [0])

    public init(_ inner: Dense, name: String = "residual") {
        self.inner = inner
        self.name = name
        inner.rename(name + "_dense")
    }

    public func estimatedBytes(inputShape: [Int]) -> Int { inner.estimatedBytes(inputShape: inputShape) }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 1 else {
            throw ModelError("residual needs a flat input but gets shape \(shapeText(inputShape)); add flatten first")
        }
        guard inputShape[0] == inner.units else {
            throw ModelError("residual dense \(inner.units) gets \(inputShape[0]) features; a skip connection needs units=\(inputShape[0])")
        }
        return inputShape
    }

    /// The dense layer inside is renamed after it (`<name>_dense`, by `name`'s
    /// observer) and names its own variables.
    public func rename(_ newName: String) { name = newName }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        _ = try outputShape(for: inputShape)
        try inner.build(inputShape: inputShape, rng: &rng)
        outputShape = inputShape
    }

    public func callAsFunction(_ input: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor {
        let f = inner(input, mode: mode, rng: &rng)
        output.resize(input.shape)
        let x = input.data, fy = f.data, y = output.data
        for i in 0..<input.count { y[i] = x[i] + fy[i] }
        return output
    }

    public func backward(_ g: Tensor, needsInputGradient: Bool) -> Tensor {
        let gx = inner.backward(g, needsInputGradient: needsInputGradient)
        guard needsInputGradient else { return gradient }
        gradient.resize(g.shape)
        let a = g.data, b = gx.data, o = gradient.data
        for i in 0..<g.count { o[i] = a[i] + b[i] }
        return gradient
    }

    public var config: LayerConfig { [("skip", "input + dense(input)")] + inner.config }
    public var spec: LayerSpec { Residual.spec }
    public var settings: LayerValues { inner.settings }

    public static let spec = LayerSpec(
        keyword: "residual", kerasClass: "Residual", baseName: "residual",
        summary: "a skip connection around a dense layer: input + dense(input)", keys: Dense.keys, innerKeyword: "dense",
        refusedKerasKeys: Dense.spec.refusedKerasKeys + ["activity_regularizer"], isKerasBuiltIn: false,
        example: "add residual dense 100 activation=elu") { v, name in
        Residual(try Dense.make(v, name: name + "_dense"), name: name)
    }
}
