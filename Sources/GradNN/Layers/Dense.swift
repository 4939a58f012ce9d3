import GradTensor

/// Keras' `Dense`: `output = activation(input · kernel + bias)`, with a
/// [input_dim, units] kernel (glorot_uniform by default) and a zero bias.
public final class Dense: ActivatedLayer {
    public var name: String
    public var typeName: String { "Dense" }
    public var keyword: String { "dense" }
    public let units: Int
    public let activation: Activation
    public let useBias: Bool
    public let kernelInitializer: Initializer
    public let biasInitializer: Initializer
    /// Keras' `activity_regularizer`: a penalty on the layer's output (after
    /// the activation), which `Sequential` adds to the loss and whose gradient
    /// it adds to dL/d(output) before this layer's backward pass (see
    /// `activityPenalty`).
    public let activityRegularizer: Regularizer?
    /// Empty until the layer is built (`isBuilt`), when the input width is known.
    public private(set) var kernel = Parameter(name: "kernel", layerName: "", shape: [0])
    public private(set) var bias: Parameter?
    public private(set) var outputShape: [Int] = []
    public private(set) var isBuilt = false

    let output = Tensor(zeros: [0])
    let preGradient = Tensor(zeros: [0])
    /// x·W + b, kept only for activations whose derivative needs it.
    let preActivation = Tensor(zeros: [0])
    let inputGradient = Tensor(zeros: [0])
    /// Σ dz when there is no bias gradient to hold it (folded backward pass).
    let columnScratch = Tensor(zeros: [0])
    /// One block of x̂ᵀ·dz per thread (folded pass with a fused SGD update).
    let blockScratch = Tensor(zeros: [0])
    var lastInput: Tensor?

    public init(units: Int, activation: Activation = .linear, useBias: Bool = true,
                kernelInitializer: Initializer = .named("glorot_uniform")!,
                biasInitializer: Initializer = .zeros,
                kernelRegularizer: Regularizer? = nil, kernelConstraint: Constraint? = nil,
                biasRegularizer: Regularizer? = nil, activityRegularizer: Regularizer? = nil, name: String = "dense") {
        self.units = units
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.activityRegularizer = activityRegularizer
        self.name = name
        self.pendingRegularizer = kernelRegularizer
        self.pendingConstraint = kernelConstraint
        self.pendingBiasRegularizer = biasRegularizer
    }
    private var pendingBiasRegularizer: Regularizer?
    private var pendingRegularizer: Regularizer?
    private var pendingConstraint: Constraint?

    public var parameters: [Parameter] { isBuilt ? [kernel, bias].compactMap { $0 } : [] }

    public func estimatedBytes(inputShape: [Int]) -> Int {
        let inDim = inputShape.reduce(1, *)
        // value, gradient and up to two optimizer slots per weight
        return (inDim + 1) * units * 4 * 4
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 1 else {
            throw ModelError("dense needs a flat input but gets shape \(shapeText(inputShape)); add flatten first")
        }
        return [units]
    }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        _ = try outputShape(for: inputShape)
        let k = Parameter(name: "kernel", layerName: name, shape: [inputShape[0], units])
        kernelInitializer.fill(k.value, rng: &rng)
        k.regularizer = pendingRegularizer
        k.constraint = pendingConstraint
        kernel = k
        isBuilt = true
        if useBias {
            let b = Parameter(name: "bias", layerName: name, shape: [units])
            biasInitializer.fill(b.value, rng: &rng)
            b.regularizer = pendingBiasRegularizer
            bias = b
        }
        outputShape = [units]
    }

    /// Rows per block of the forward pass's bias and activation.
    static let epilogueRows = 32

    public func callAsFunction(_ input: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor {
        let n = input.rows
        output.resize([n, units])
        let o = output.data
        // Bias and an element-wise activation on each range of columns right after the thread
        // that computed it; softmax needs whole rows, so it runs afterwards.
        let (bias, activation, units) = (self.bias?.value.data, self.activation, units)
        // Swish, GELU and Mish need z = x·W + b for their derivative: keep a copy.
        if activation.needsInput { preActivation.resize([n, units]) }
        let z = activation.needsInput ? preActivation.data : nil
        BLAS.matmul(input, kernel.value, into: output) { columns in
            // In blocks of rows, so that each block is still in cache for the activation (MC
            // Dropout's batches of 1,000 rows are megabytes); every element gets the same operations.
            for r0 in stride(from: 0, to: n, by: Dense.epilogueRows) {
                let rows = min(Dense.epilogueRows, n - r0), p = o + r0 * units
                if let b = bias { Vectorized.addRows(p, rows: rows, cols: units, columns: columns, b) }
                if let z { for r in r0..<(r0 + rows) { (z + r * units + columns.lowerBound).update(from: o + r * units + columns.lowerBound, count: columns.count) } }
                if activation.isElementwise { activation.apply(p, rows: rows, cols: units, columns: columns) }
            }
        }
        if !activation.isElementwise { activation.apply(o, rows: n, cols: units) }
        lastInput = input
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        backward(preActivationGradient: preActivationGradient(outputGradient), needsInputGradient: needsInputGradient)
    }

    /// dL/dz from dL/d(output), through the activation's derivative, in `preGradient`.
    func preActivationGradient(_ outputGradient: Tensor) -> Tensor {
        preGradient.assign(outputGradient)
        activation.backward(input: activation.needsInput ? UnsafePointer(preActivation.data) : nil, output: output.data,
                            gradient: preGradient.data, rows: output.rows, cols: units)
        return preGradient
    }

    public func backward(preActivationGradient dz: Tensor, needsInputGradient: Bool) -> Tensor {
        guard let x = lastInput else { return inputGradient }
        let n = dz.rows
        if kernel.trainable || needsInputGradient || bias?.trainable == true {
            BLAS.matmul(x, transposeA: true, dz, into: kernel.gradient)
        }
        if let b = bias { Vectorized.columnSums(dz.data, rows: n, cols: units, into: b.gradient.data) }
        guard needsInputGradient else { return inputGradient }
        inputGradient.resize([n, x.columns])
        BLAS.matmul(dz, kernel.value, transposeB: true, into: inputGradient)
        return inputGradient
    }

    /// The activity penalty of the last forward pass's [n, units] output, as
    /// Keras 3's `Layer.__call__` records it: the regularizer over the whole
    /// batch divided by n (`divide_no_nan(loss, batch_size)`, so its strength
    /// does not depend on the batch size); 0 without a regularizer.
    public var activityPenalty: Float {
        guard let r = activityRegularizer, output.rows > 0 else { return 0 }
        return r.penalty(output) / Float(output.rows)
    }

    /// Adds the activity penalty's gradient, `(l1·sign(y) + 2·l2·y) / n`, to
    /// `g`, a dL/d(output) of the last forward pass's shape.
    public func addActivityGradient(to g: Tensor) {
        guard let r = activityRegularizer, output.rows > 0 else { return }
        precondition(g.count == output.count, "the gradient does not match the layer's output")
        r.addGradient(output, to: g, scale: 1 / Float(output.rows))
    }

    public var spec: LayerSpec { Dense.spec }
    public var settings: LayerValues {
        var v: [String: LayerValue] = ["units": .int(units), "activation": .activation(activation), "use_bias": .bool(useBias),
                                       "kernel_initializer": .initializer(kernelInitializer), "bias_initializer": .initializer(biasInitializer)]
        if let r = isBuilt ? kernel.regularizer : pendingRegularizer { v["kernel_regularizer"] = .regularizer(r) }
        if let c = isBuilt ? kernel.constraint : pendingConstraint { v["kernel_constraint"] = .constraint(c) }
        if let r = isBuilt ? bias?.regularizer : pendingBiasRegularizer { v["bias_regularizer"] = .regularizer(r) }
        if let r = activityRegularizer { v["activity_regularizer"] = .regularizer(r) }
        return LayerValues(v)
    }
}

/// `(None, 300)`-style text of a per-sample shape.
public func shapeText(_ shape: [Int]) -> String {
    "(None, " + shape.map(String.init).joined(separator: ", ") + ")"
}

extension Dense {
    /// The settings of Keras' `Dense`, shared by `Residual`.
    static let keys: [LayerKey] = [
        LayerKey("units", .int(1...1_000_000), positional: true, alwaysShown: true, help: "dense: number of units"),
        LayerKey("activation", .activation, default: .activation(.linear), alwaysShown: true,
                 help: "dense: linear (default), sigmoid, tanh, relu, leaky_relu(alpha), elu(alpha), selu, softmax, softplus, softsign, hard_sigmoid, relu6, celu(alpha), exponential, silu (swish), gelu(approximate), mish"),
        LayerKey("use_bias", .bool, default: .bool(true), help: "dense: whether to add a bias (default true)"),
        LayerKey("kernel_initializer", .initializer, default: .initializer(.named("glorot_uniform")!), alwaysShown: true,
                 help: "glorot_uniform (default), he_normal, lecun_normal, variance_scaling(…)…"),
        LayerKey("bias_initializer", .initializer, default: .initializer(.zeros), help: "zeros (default), ones, constant(v)…"),
        LayerKey("kernel_regularizer", .regularizer, help: "l1(0.01), l2(0.01), l1_l2(l1=…, l2=…)"),
        LayerKey("kernel_constraint", .constraint, help: "max_norm(2.0, axis=0), unit_norm(axis=0), non_neg"),
        LayerKey("bias_regularizer", .regularizer, help: "l1(0.01), l2(0.01), l1_l2(…) on the bias, added to the loss as the kernel's"),
    ]

    /// Dense's own: `Residual` refuses it, since Keras would put it on the block's output.
    static let activityKey = LayerKey("activity_regularizer", .regularizer,
                                      help: "l1(0.01), l2(0.01), l1_l2(…) on the layer's output (after the activation), divided by the batch size, as Keras 3")

    static func make(_ v: LayerValues, name: String) throws -> Dense {
        if v.initializer("bias_initializer").needsMatrix {
            throw ComponentError("bias_initializer=\(v.initializer("bias_initializer").name) needs a 2-D kernel; a bias is 1-D (Keras refuses it too)")
        }
        return Dense(units: v.int("units"), activation: v.activation("activation"), useBias: v.bool("use_bias"),
              kernelInitializer: v.initializer("kernel_initializer"), biasInitializer: v.initializer("bias_initializer"),
              kernelRegularizer: v.regularizer("kernel_regularizer"), kernelConstraint: v.constraint("kernel_constraint"),
              biasRegularizer: v.regularizer("bias_regularizer"), activityRegularizer: v.regularizer("activity_regularizer"), name: name)
    }

    public static let spec = LayerSpec(
        keyword: "dense", kerasClass: "Dense", baseName: "dense",
        summary: "a fully connected layer: activation(input · kernel + bias)", keys: keys + [activityKey],
        refusedKerasKeys: ["bias_constraint", "lora_rank"],
        example: "add dense 300 activation=elu kernel_initializer=he_normal") { v, name in try make(v, name: name) }
}
