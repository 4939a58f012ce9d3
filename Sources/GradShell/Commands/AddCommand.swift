import GradNN
import GradTensor

/// `add KIND …`: appends a layer to the model, built at once when the input shape is known.
struct AddCommand: Command {
    static let kinds = ["dense", "flatten", "batchnorm", "dropout", "alpha_dropout", "activation",
                        "leaky_relu", "prelu", "rrelu", "residual"]
    static let spec = CommandSpec(
        name: "add", summary: "add a layer (dense, flatten, batchnorm, dropout, activation, prelu, rrelu, residual…)",
        usage: "add dense UNITS [activation=…] [kernel_initializer=…] | add flatten | add batchnorm | add dropout RATE | add activation NAME | add leaky_relu [alpha=0.2] | add prelu | add rrelu | add alpha_dropout RATE | add residual dense UNITS …",
        discussion: "Names and defaults follow Keras: dense kernels start glorot_uniform, biases zeros; batchnorm momentum 0.99, epsilon 0.001. For BN before the activation: `add dense 300 use_bias=false`, `add batchnorm`, `add activation elu`.",
        keys: [KeySpec("units", "dense: number of units"),
               KeySpec("activation", "linear, sigmoid, tanh, relu, leaky_relu(alpha), elu(alpha), selu, softmax", .words(Activation.names)),
               KeySpec("kernel_initializer", "glorot_uniform (default), he_normal, lecun_normal, variance_scaling(…)…", .words(Initializer.names)),
               KeySpec("bias_initializer", "zeros (default), ones, constant(v)…", .words(Initializer.names)),
               KeySpec("use_bias", "dense: whether to add a bias (default true)", .words(["true", "false"])),
               KeySpec("kernel_regularizer", "l1(0.01), l2(0.01), l1_l2(l1=…, l2=…)", .words(["l1", "l2", "l1_l2"])),
               KeySpec("kernel_constraint", "max_norm(1.0)", .words(["max_norm", "non_neg"])),
               KeySpec("rate", "dropout: fraction of units dropped"),
               KeySpec("momentum", "batchnorm: weight of the moving average (default 0.99)"),
               KeySpec("epsilon", "batchnorm: added to the variance (default 0.001)"),
               KeySpec("center", "batchnorm: learn beta (default true)", .words(["true", "false"])),
               KeySpec("scale", "batchnorm: learn gamma (default true)", .words(["true", "false"])),
               KeySpec("alpha", "leaky_relu: slope for x < 0 (default 0.2)"),
               KeySpec("lower", "rrelu: lowest random slope (default 1/8)"),
               KeySpec("upper", "rrelu: highest random slope (default 1/3)"),
               KeySpec("name", "a name for the layer"),
               KeySpec("repeat", "add this many identical layers (default 1), e.g. a 20-layer net in one line")],
        positional: .layerKinds,
        examples: ["add flatten", "add dense 300 activation=elu kernel_initializer=he_normal", "add batchnorm", "add dropout 0.2",
                   "add dense 100 use_bias=false", "add activation elu", "add residual dense 100 activation=relu",
                   "add dense 100 activation=sigmoid repeat=19"],
        category: "model")

    /// Refuse layers whose weights would need more than this.
    static let memoryLimit = 4 << 30
    let make: (String) -> Layer
    let baseName: String
    let keyword: String
    let count: Int

    init(_ args: inout Arguments, session: Session) throws {
        count = try args.int("repeat", default: 1, range: 1...1000)!
        guard let a = args.nextArgument() else { throw ShellError("add what? one of: " + AddCommand.kinds.joined(separator: ", ")) }
        var kind = try Arguments.choice(a, name: "layer kind", from: AddCommand.kinds + ["batch_normalization", "bn", "leakyrelu"])
        if kind == "batch_normalization" || kind == "bn" { kind = "batchnorm" }
        if kind == "leakyrelu" { kind = "leaky_relu" }
        var residual = false
        if kind == "residual" {
            guard let b = args.nextArgument() else { throw ShellError("add residual needs a layer: `add residual dense 100 activation=relu`") }
            _ = try Arguments.choice(b, name: "residual layer", from: ["dense"])
            residual = true
            kind = "dense"
        }
        keyword = residual ? "residual" : kind
        let custom = try args.string("name")
        if let c = custom, c.isEmpty || !c.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            throw ShellError("name must be letters, digits and _")
        }
        switch kind {
        case "dense":
            guard let units = try args.int("units", positional: true, range: 1...Int.max) else {
                throw ShellError("add dense needs a number of units, e.g. `add dense 100 activation=relu`")
            }
            let act = try args.keyword("activation").map(ValueParsing.activation) ?? .linear
            let ki = try args.keyword("kernel_initializer").map(ValueParsing.initializer) ?? Initializer.named("glorot_uniform")!
            let bi = try args.keyword("bias_initializer").map(ValueParsing.initializer) ?? .zeros
            let useBias = try args.bool("use_bias", default: true)
            let reg = try args.keyword("kernel_regularizer").map(ValueParsing.regularizer)
            let con = try args.keyword("kernel_constraint").map(ValueParsing.constraint)
            let inputDim = session.model?.outputShape?.reduce(1, *) ?? 1
            let bytes = Double(inputDim + 1) * Double(units) * 16
            let repeated = Double(count - 1) * Double(units + 1) * Double(units) * 16
            if custom != nil && count > 1 { throw ShellError("name= names one layer; drop it or repeat=") }
            if bytes + repeated > Double(AddCommand.memoryLimit) {
                throw ShellError("dense \(units)\(count > 1 ? " ×\(count)" : "") would need \(AddCommand.bytesText(bytes + repeated)) for its weights, gradients and optimizer slots; the limit is \(AddCommand.bytesText(Double(AddCommand.memoryLimit)))")
            }
            baseName = custom ?? (residual ? "residual" : "dense")
            make = { name in
                let d = Dense(units: units, activation: act, useBias: useBias, kernelInitializer: ki, biasInitializer: bi,
                              kernelRegularizer: reg, kernelConstraint: con, name: residual ? name + "_dense" : name)
                return residual ? Residual(d, name: name) : d
            }
        case "flatten":
            baseName = custom ?? "flatten"
            make = { Flatten(name: $0) }
        case "batchnorm":
            let m = try args.float("momentum", default: 0.99, range: 0...1)!
            let e = try args.float("epsilon", default: 0.001, range: 1e-12...10)!
            let c = try args.bool("center", default: true), s = try args.bool("scale", default: true)
            baseName = custom ?? "batch_normalization"
            make = { BatchNormalization(momentum: m, epsilon: e, center: c, scale: s, name: $0) }
        case "dropout", "alpha_dropout":
            guard let r = try args.float("rate", positional: true, range: 0...0.99) else {
                throw ShellError("add \(kind) needs a rate between 0 and 0.99, e.g. `add \(kind) 0.2`")
            }
            baseName = custom ?? kind
            make = kind == "dropout" ? { Dropout(rate: r, name: $0) } : { AlphaDropout(rate: r, name: $0) }
        case "activation":
            guard let act = try args.argument("activation", positional: true).map(ValueParsing.activation) else {
                throw ShellError("add activation needs a function: " + Activation.names.joined(separator: ", "))
            }
            baseName = custom ?? "activation"
            make = { ActivationLayer(act, name: $0) }
        case "leaky_relu":
            let alpha = try args.float("alpha", positional: true, default: 0.2, range: 0...10)!
            baseName = custom ?? "leaky_re_lu"
            make = { ActivationLayer(.leakyRelu(alpha: alpha), name: $0, typeName: "LeakyReLU") }
        case "prelu":
            baseName = custom ?? "p_re_lu"
            make = { PReLU(name: $0) }
        default:
            let lo = try args.float("lower", default: 1.0 / 8, range: 0...10)!
            let hi = try args.float("upper", default: 1.0 / 3, range: 0...10)!
            guard lo <= hi else { throw ShellError("rrelu needs lower ≤ upper") }
            baseName = custom ?? "rrelu"
            make = { RReLU(lower: lo, upper: hi, name: $0) }
        }
    }

    static func bytesText(_ b: Double) -> String {
        if b >= Double(1 << 40) { return String(format: "%.1f TiB", b / Double(1 << 40)) }
        if b >= Double(1 << 30) { return String(format: "%.1f GiB", b / Double(1 << 30)) }
        return String(format: "%.1f MiB", b / Double(1 << 20))
    }

    func run(_ session: Session) throws -> String {
        let m = try session.requireModel()
        let before = m.layers.count, rngBefore = session.rng
        var lines: [String] = []
        do {
            for _ in 0..<count { lines.append(try addOne(m, session)) }
        } catch {
            // All or nothing: a repeat that fails part-way takes back what it added.
            while m.layers.count > before { _ = m.removeLast() }
            session.rng = rngBefore
            throw error
        }
        let n = count
        session.pushUndo(n == 1 ? "add \(m.layers[before].name)" : "add \(n) layers") { for _ in 0..<n { _ = m.removeLast() } }
        return lines.joined(separator: "\n")
    }

    private func addOne(_ m: Sequential, _ session: Session) throws -> String {
        let name = m.uniqueName(for: baseName)
        // Check the new layer (and, for an unbuilt model, the ones before it)
        // on throwaway copies first, so a layer that does not fit changes nothing.
        var shape = m.outputShape
        if shape == nil, let d = session.data {
            var s = d.sampleShape
            for l in m.layers {
                do { s = try l.outputShape(for: s) } catch let e as ModelError {
                    throw ShellError("layer \(l.name) does not fit the data's shape \(shapeText(s)): \(e.message) (`undo` removes layers)")
                }
            }
            shape = s
        }
        if let s = shape {
            var scratch = RandomGenerator(seed: 0)
            do { try make(name).build(inputShape: s, rng: &scratch) } catch let e as ModelError { throw ShellError(e.message) }
        }
        if m.inputShape == nil, let d = session.data, m.layers.allSatisfy({ !$0.isBuilt }) {
            // Build what is there first so the new layer sees its input shape.
            do { try m.build(inputShape: d.sampleShape, rng: &session.rng) } catch let e as ModelError { throw ShellError(e.message) }
        }
        if m.layers.contains(where: { $0.name == name }) { throw ShellError("a layer named \(name) exists") }
        let layer = make(name)
        var rng = session.rng
        do { try m.add(layer, rng: &rng) } catch let e as ModelError { throw ShellError(e.message) }
        session.rng = rng
        let shapeNote = layer.isBuilt ? " → \(shapeText(layer.outputShape))" : ""
        let params = layer.isBuilt ? ", \(layer.parameterCount.formatted) param\(layer.parameterCount == 1 ? "" : "s")" : ""
        return "layer \(m.layers.count - 1): \(name) (\(layer.typeName))\(shapeNote)\(params)"
    }
}
