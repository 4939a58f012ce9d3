import GradNN
import GradTensor

/// `add KIND …`: appends a layer to the model, built at once when the input shape is known.
struct AddCommand: Command {
    /// The `add` words, from the layer registry.
    static var kinds: [String] { LayerRegistry.keywords + ["block"] }

    /// Every layer kind's keys, once each, for `help add` and the parser's key check.
    static let layerKeys: [KeySpec] = {
        var out: [KeySpec] = []
        for spec in LayerRegistry.all {
            for k in spec.keys {
                if let i = out.firstIndex(where: { $0.name == k.name }) {
                    if !out[i].help.contains(k.help) { out[i].help += "; " + k.help }
                } else {
                    out.append(KeySpec(k.name, k.help, k.words.isEmpty ? .none : .words(k.words)))
                }
                for a in k.aliases where !out.contains(where: { $0.name == a }) { out.append(KeySpec(a, "same as \(k.name)=")) }
            }
        }
        return out
    }()

    static let spec = CommandSpec(
        name: "add", summary: "add a layer (" + LayerRegistry.keywords.prefix(8).joined(separator: ", ") + "…)",
        usage: "add block \"LAYER | LAYER …\" [repeat=N] | " + LayerRegistry.all.map { s in
            "add \(s.keyword)" + (s.innerKeyword.map { " \($0)" } ?? "")
                + (s.positionalKey.map { $0.isRequired ? " \($0.name.uppercased())" : " [\($0.name.uppercased())]" } ?? "")
                + (s.keys.contains { !$0.positional } ? " [key=…]" : "")
        }.joined(separator: " | "),
        discussion: "Names and defaults follow Keras: dense kernels start glorot_uniform, biases zeros; batchnorm momentum 0.99, epsilon 0.001. For BN before the activation: `add dense 300 use_bias=false`, `add batchnorm`, `add activation elu`.\n"
            + LayerRegistry.all.map { "  \($0.keyword): \($0.summary) (" + ($0.isKerasBuiltIn ? "Keras \($0.kerasClass)" : "gradlab's own; exports define it") + ")" }.joined(separator: "\n"),
        keys: layerKeys + [KeySpec("name", "a name for the layer"),
                           KeySpec("layers", "block: the layers, as after add, separated by | (in quotes)"),
                           KeySpec("repeat", "add this many identical layers (default 1), e.g. a 20-layer net in one line")],
        positional: .layerKinds,
        examples: ["add flatten", "add dense 300 activation=elu kernel_initializer=he_normal", "add batchnorm", "add dropout 0.2",
                   "add dense 100 use_bias=false", "add activation elu", "add residual dense 100 activation=relu",
                   "add dense 100 activation=sigmoid repeat=19",
                   "add block \"dense 100 kernel_initializer=he_normal use_bias=false | batchnorm | activation elu\" repeat=20"],
        category: "model")

    /// Refuse layers whose weights would need more than this.
    static let memoryLimit = 4 << 30
    /// One layer to add: its kind, checked settings and base name.
    struct Part {
        var spec: LayerSpec
        var values: [String: LayerValue]
        var baseName: String
    }

    /// The layers one repetition adds (several for `add block`).
    let parts: [Part]
    let count: Int

    init(_ args: inout Arguments, session: Session) throws {
        count = try args.int("repeat", default: 1, range: 1...1000)!
        guard let a = args.nextArgument() else { throw ShellError("add what? one of: " + AddCommand.kinds.joined(separator: ", ")) }
        if ValueParsing.name(a.value) == "block" {
            parts = try AddCommand.block(&args, session: session, count: count)
            return
        }
        parts = [try AddCommand.part(a, &args, session: session, count: count)]
    }

    /// `add block "dense 100 use_bias=false | batchnorm | activation elu" repeat=20`:
    /// the layers between the bars, each written as after `add`, repeated as a unit.
    static func block(_ args: inout Arguments, session: Session, count: Int) throws -> [Part] {
        guard let text = try args.string("layers", positional: true), !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ShellError("add block needs its layers in quotes, separated by |: `add block \"dense 100 use_bias=false | batchnorm | activation elu\" repeat=20`")
        }
        let pieces = text.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.count <= 100 else { throw ShellError("a block holds at most 100 layers") }
        return try pieces.enumerated().map { i, piece in
            do {
                guard !piece.isEmpty else { throw ShellError("it is empty") }
                guard let parsed = try Parser.parse("add " + piece) else { throw ShellError("it is empty") }
                var inner = try Arguments(parsed, keys: spec.keys.map(\.name).filter { $0 != "repeat" })
                guard let kind = inner.nextArgument() else { throw ShellError("it names no layer") }
                if ValueParsing.name(kind.value) == "block" { throw ShellError("a block cannot hold a block") }
                let part = try AddCommand.part(kind, &inner, session: session, count: count)
                try inner.finish()
                return part
            } catch let e as ShellError {
                throw ShellError("add block, layer \(i + 1) (`\(piece)`): \(e.message)")
            }
        }
    }

    /// One layer from its kind word and the line's settings.
    static func part(_ a: Argument, _ args: inout Arguments, session: Session, count: Int) throws -> Part {
        let word = try Arguments.choice(a, name: "layer kind", from: LayerRegistry.all.flatMap { [$0.keyword] + $0.aliases })
        let spec = LayerRegistry.spec(keyword: word)!
        if let inner = spec.innerKeyword {
            guard let b = args.nextArgument() else { throw ShellError("add \(spec.keyword) needs a layer: `\(spec.example)`") }
            _ = try Arguments.choice(b, name: "\(spec.keyword) layer", from: [inner])
        }
        let custom = try args.string("name")
        if let c = custom, c.isEmpty || !c.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            throw ShellError("name must be letters, digits and _")
        }
        if custom != nil && count > 1 { throw ShellError("name= names one layer; drop it or repeat=") }
        var raw: [String: LayerValue] = [:]
        for k in spec.keys {
            var alias: Argument? = nil
            for name in k.aliases where alias == nil { alias = args.keyword(name) }
            guard let arg = args.keyword(k.name) ?? alias ?? (k.positional ? args.nextArgument() : nil) else {
                if k.isRequired {
                    throw ShellError("add \(spec.keyword) needs \(k.positional ? "a \(k.name)" : "\(k.name)="), e.g. `\(spec.example)`")
                }
                continue
            }
            if k.name == "units", case .number(let d, _) = arg.value, d.isFinite, d >= 1 {
                try AddCommand.checkMemory(units: d, count: count, keyword: spec.keyword, session: session)
            }
            raw[k.name] = try ValueParsing.layerValue(arg, for: k)
        }
        // The settings are checked once here, by making a throwaway layer.
        do { _ = try spec.make(raw, name: spec.baseName) } catch let e as ComponentError { throw ShellError(e.message) }
        return Part(spec: spec, values: raw, baseName: custom ?? spec.baseName)
    }

    /// Refuses a dense layer whose weights, gradients and slots would pass the memory limit.
    static func checkMemory(units: Double, count: Int, keyword: String, session: Session) throws {
        let inputDim = Double(session.model?.outputShape?.reduce(1, *) ?? 1)
        let bytes = (inputDim + 1) * units * 16
        let repeated = Double(count - 1) * (units + 1) * units * 16
        if bytes + repeated > Double(memoryLimit) {
            throw ShellError("\(keyword) \(shortCount(units))\(count > 1 ? " ×\(count)" : "") would need \(bytesText(bytes + repeated)) for its weights, gradients and optimizer slots; the limit is \(bytesText(Double(memoryLimit)))")
        }
    }

    static func shortCount(_ d: Double) -> String { d < 1e15 ? String(Int(d)) : String(format: "%g", d) }

    static func make(_ p: Part, _ name: String) throws -> Layer {
        do { return try p.spec.make(p.values, name: name) } catch let e as ComponentError { throw ShellError(e.message) }
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
            for _ in 0..<count { for p in parts { lines.append(try addOne(p, m, session)) } }
        } catch {
            // All or nothing: a repeat that fails part-way takes back what it added.
            while m.layers.count > before { _ = m.removeLast() }
            session.rng = rngBefore
            throw error
        }
        let n = count * parts.count
        session.pushUndo(n == 1 ? "add \(m.layers[before].name)" : "add \(n) layers") { for _ in 0..<n { _ = m.removeLast() } }
        guard lines.count > 12 else { return lines.joined(separator: "\n") }
        // A long repeat shows its first repetition and a count, not every line.
        let added = m.layers[before...].reduce(0) { $0 + $1.parameterCount }
        return (lines.prefix(parts.count) + ["… and \(plural(count - 1, "more repetition")): layers \(before)–\(m.layers.count - 1), \(added.formatted) params in all"])
            .joined(separator: "\n")
    }

    private func addOne(_ part: Part, _ m: Sequential, _ session: Session) throws -> String {
        let name = m.uniqueName(for: part.baseName)
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
            do { try AddCommand.make(part, name).build(inputShape: s, rng: &scratch) } catch let e as ModelError { throw ShellError(e.message) }
        }
        if m.inputShape == nil, let d = session.data, m.layers.allSatisfy({ !$0.isBuilt }) {
            // Build what is there first so the new layer sees its input shape.
            do { try m.build(inputShape: d.sampleShape, rng: &session.rng) } catch let e as ModelError { throw ShellError(e.message) }
        }
        if m.layers.contains(where: { $0.name == name }) { throw ShellError("a layer named \(name) exists") }
        let layer = try AddCommand.make(part, name)
        var rng = session.rng
        do { try m.add(layer, rng: &rng) } catch let e as ModelError { throw ShellError(e.message) }
        session.rng = rng
        let shapeNote = layer.isBuilt ? " → \(shapeText(layer.outputShape))" : ""
        let params = layer.isBuilt ? ", \(layer.parameterCount.formatted) param\(layer.parameterCount == 1 ? "" : "s")" : ""
        return "layer \(m.layers.count - 1): \(name) (\(layer.typeName))\(shapeNote)\(params)"
    }
}
