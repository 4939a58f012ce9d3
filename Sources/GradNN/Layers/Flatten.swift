import GradTensor

/// Keras' `Flatten`: [batch, d1, d2, …] → [batch, d1·d2·…]. Tensors already
/// travel as matrices, so only the per-sample shape changes.
public final class Flatten: Layer {
    public var name: String
    public var typeName: String { "Flatten" }
    public var keyword: String { "flatten" }
    public private(set) var outputShape: [Int] = []
    public private(set) var isBuilt = false
    public var parameters: [Parameter] { [] }
    public init(name: String = "flatten") { self.name = name }

    public func outputShape(for inputShape: [Int]) -> [Int] { [inputShape.reduce(1, *)] }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        outputShape = outputShape(for: inputShape)
        isBuilt = true
    }
    public func callAsFunction(_ input: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor { input }
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor { outputGradient }
    public var spec: LayerSpec { Flatten.spec }
    public var settings: LayerValues { LayerValues([:]) }

    public static let spec = LayerSpec(
        keyword: "flatten", kerasClass: "Flatten", baseName: "flatten", summary: "turns each sample into one row of features",
        example: "add flatten") { _, name in Flatten(name: name) }
}
