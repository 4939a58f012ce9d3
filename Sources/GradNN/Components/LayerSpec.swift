/// What one kind of layer is, written once next to the layer: its `add`
/// keyword, Keras class, settings (key, Keras key, type, default, range, help)
/// and how to make it. `add`, `help`, Tab completion, `model.json`, Keras
/// import and the Keras export all read this, so a new layer is its own file
/// plus one line in `LayerRegistry`.
public struct LayerSpec: Sendable {
    /// The `add` keyword (`dense`) and other words accepted for it.
    public var keyword: String
    public var aliases: [String]
    /// The Keras class name, as `model.json` and Keras configs write it.
    public var kerasClass: String
    /// The default layer name Keras gives (`dense`, `batch_normalization`).
    public var baseName: String
    /// One line for `help add`.
    public var summary: String
    public var keys: [LayerKey]
    /// A word that must follow the keyword (`add residual dense 100`).
    public var innerKeyword: String?
    /// Keras settings gradlab does not have: an imported layer that uses one is refused, by name.
    public var refusedKerasKeys: [String]
    /// Whether Keras has the class (`layers.Dense`); if not, exports define it.
    public var isKerasBuiltIn: Bool
    /// An `add` line that makes one, for help and for the component test.
    public var example: String
    /// Makes the layer from checked settings: a `ComponentError` when settings
    /// contradict each other (checks of one key are the key's range).
    public var make: @Sendable (LayerValues, String) throws -> Layer

    public init(keyword: String, aliases: [String] = [], kerasClass: String, baseName: String, summary: String,
                keys: [LayerKey] = [], innerKeyword: String? = nil, refusedKerasKeys: [String] = [], isKerasBuiltIn: Bool = true, example: String,
                make: @escaping @Sendable (LayerValues, String) throws -> Layer) {
        self.keyword = keyword
        self.aliases = aliases
        self.kerasClass = kerasClass
        self.baseName = baseName
        self.summary = summary
        self.keys = keys
        self.innerKeyword = innerKeyword
        self.refusedKerasKeys = refusedKerasKeys
        self.isKerasBuiltIn = isKerasBuiltIn
        self.example = example
        self.make = make
    }

    /// The key given without `key=`, if any (`units`, `rate`).
    public var positionalKey: LayerKey? { keys.first { $0.positional } }

    /// Makes a layer from raw settings by key (absent keys take their defaults).
    public func make(_ raw: [String: LayerValue], name: String) throws -> Layer {
        var values: [String: LayerValue] = [:]
        for k in keys {
            if let v = raw[k.name] {
                try k.check(v)
                values[k.name] = v
            } else if let d = k.defaultValue {
                values[k.name] = d
            } else if k.isRequired {
                throw ComponentError("\(keyword) needs \(k.name)=, e.g. `\(example)`")
            }
        }
        return try make(LayerValues(values), name)
    }

    /// The settings of a layer of this kind as `model.json` and `summary` show
    /// them: keys always shown, and the others when not at their default.
    public func config(_ values: LayerValues) -> LayerConfig {
        keys.compactMap { k in
            guard let v = values[k.name], k.alwaysShown || v != k.defaultValue else { return nil }
            return (k.name, v.text)
        }
    }

    /// The `add` line that makes a layer with these settings (defaults left out).
    public func addLine(_ values: LayerValues) -> String {
        var words = ["add", keyword] + (innerKeyword.map { [$0] } ?? [])
        for k in keys {
            guard let v = values[k.name], k.positional || v != k.defaultValue else { continue }
            words.append(k.positional ? v.text : "\(k.name)=\(v.text)")
        }
        return words.joined(separator: " ")
    }

    /// Reads the settings back from `model.json`'s text form.
    public func values(fromConfig c: [String: String]) throws -> [String: LayerValue] {
        var raw: [String: LayerValue] = [:]
        for k in keys {
            guard let text = c[k.name] ?? k.aliases.lazy.compactMap({ c[$0] }).first else { continue }
            do {
                raw[k.name] = try k.value(ComponentCall(parsing: text).asArgument)
            } catch let e as ComponentError {
                throw ComponentError("\(k.name)=\(text): \(e.message)")
            }
        }
        return raw
    }
}

/// One setting of a layer kind.
public struct LayerKey: Sendable {
    public enum Kind: Sendable, Equatable {
        case int(ClosedRange<Int>)
        case float(ClosedRange<Double>)
        case bool
        case activation
        case initializer
        case regularizer
        case constraint
    }

    public var name: String
    /// Other names accepted for it (Keras 2's `alpha` for `negative_slope`).
    public var aliases: [String]
    /// The key in a Keras config (`negative_slope` for gradlab's `alpha`).
    public var kerasName: String
    public var kind: Kind
    /// nil: required when positional, otherwise simply absent (no regularizer).
    public var defaultValue: LayerValue?
    /// Keras' default where it differs from gradlab's (LeakyReLU's slope: 0.3
    /// there, 0.2 here): what an import assumes when a config leaves the key
    /// out, and what an export may leave out.
    public var kerasDefault: LayerValue?
    public var positional: Bool
    /// Shown in the summary and `model.json` even at its default.
    public var alwaysShown: Bool
    public var help: String

    public init(_ name: String, _ kind: Kind, default d: LayerValue? = nil, aliases: [String] = [], keras: String? = nil,
                kerasDefault: LayerValue? = nil, positional: Bool = false, alwaysShown: Bool = false, help: String) {
        self.name = name
        self.aliases = aliases
        self.kerasName = keras ?? name
        self.kind = kind
        self.defaultValue = d
        self.kerasDefault = kerasDefault ?? d
        self.positional = positional
        self.alwaysShown = alwaysShown
        self.help = help
    }

    public var isRequired: Bool { positional && defaultValue == nil }

    /// Names a word-valued key accepts, for completion and hints.
    public var words: [String] {
        switch kind {
        case .bool: return ["true", "false"]
        case .activation: return Activation.names
        case .initializer: return Initializer.names
        case .regularizer: return Regularizer.names
        case .constraint: return Constraint.names
        case .int, .float: return []
        }
    }

    /// The typed value of one argument as written (`300`, `he_normal`, `l2(0.01)`).
    public func value(_ a: ComponentCall.Argument, span: Range<Int>? = nil) throws -> LayerValue {
        func call() throws -> ComponentCall {
            switch a {
            case .word(let w): return ComponentCall(name: w.lowercased(), span: span)
            case .call(var c): c.span = c.span ?? span; return c
            case .number(_, let t): throw ComponentError("\(name) must be a name, not '\(t)'", at: span)
            case .list: throw ComponentError("\(name) must be a name, not '\(a.text)'", at: span)
            }
        }
        let v: LayerValue
        switch kind {
        case .int:
            guard case .number(let d, let t) = a, d == d.rounded(), abs(d) < 1e15 else {
                throw ComponentError("\(name) must be a whole number, not '\(a.text)'", at: span)
            }
            _ = t
            v = .int(Int(d))
        case .float:
            guard case .number(let d, _) = a, d.isFinite else { throw ComponentError("\(name) must be a number, not '\(a.text)'", at: span) }
            v = .float(Float(d))
            if case .float(let r) = kind, !r.contains(d) {
                throw ComponentError("\(name)=\(a.text) is out of range \(shortNumber(r.lowerBound))…\(shortNumber(r.upperBound))", at: span)
            }
        case .bool:
            switch a.text.lowercased() {
            case "true", "yes", "on", "1": v = .bool(true)
            case "false", "no", "off", "0": v = .bool(false)
            default: throw ComponentError("\(name) must be true or false, not '\(a.text)'", at: span)
            }
        case .activation: v = .activation(try Activation(call()))
        case .initializer: v = .initializer(try Initializer(call()))
        case .regularizer: v = .regularizer(try Regularizer(call()))
        case .constraint: v = .constraint(try Constraint(call()))
        }
        try check(v, span: span)
        return v
    }

    /// Checks a value against this key's type and range.
    public func check(_ v: LayerValue, span: Range<Int>? = nil) throws {
        switch (kind, v) {
        case (.int(let r), .int(let i)):
            guard r.contains(i) else {
                let text = r.upperBound == Int.max ? "use a number ≥ \(r.lowerBound)" : "use a number between \(r.lowerBound) and \(r.upperBound)"
                throw ComponentError("\(name)=\(i) is out of range; \(text)", at: span)
            }
        case (.float(let r), .float(let f)):
            guard f.isFinite, r.contains(Double(f)) else {
                throw ComponentError("\(name)=\(formatFloat(f)) is out of range \(shortNumber(r.lowerBound))…\(shortNumber(r.upperBound))", at: span)
            }
        case (.bool, .bool), (.activation, .activation), (.initializer, .initializer), (.regularizer, .regularizer), (.constraint, .constraint):
            return
        default:
            throw ComponentError("\(name) cannot be \(v.text)", at: span)
        }
    }
}

/// A setting's value.
public enum LayerValue: Equatable, Sendable {
    case int(Int)
    case float(Float)
    case bool(Bool)
    case activation(Activation)
    case initializer(Initializer)
    case regularizer(Regularizer)
    case constraint(Constraint)

    /// As `model.json` and the summary write it; read back by `LayerKey.value`.
    public var text: String {
        switch self {
        case .int(let i): return "\(i)"
        case .float(let f): return formatFloat(f)
        case .bool(let b): return b ? "true" : "false"
        case .activation(let a): return a.name
        case .initializer(let i): return i.name
        case .regularizer(let r): return r.name
        case .constraint(let c): return c.name
        }
    }
}

/// A layer's settings by key, typed; every key of its spec with a default is present.
public struct LayerValues: Sendable {
    public var values: [String: LayerValue]
    public init(_ values: [String: LayerValue]) { self.values = values }
    public subscript(_ key: String) -> LayerValue? { values[key] }

    public func int(_ k: String) -> Int {
        if case .int(let i) = values[k] { return i }
        preconditionFailure("layer setting \(k) is not a whole number")
    }
    public func float(_ k: String) -> Float {
        if case .float(let f) = values[k] { return f }
        preconditionFailure("layer setting \(k) is not a number")
    }
    public func bool(_ k: String) -> Bool {
        if case .bool(let b) = values[k] { return b }
        preconditionFailure("layer setting \(k) is not true or false")
    }
    public func activation(_ k: String) -> Activation {
        if case .activation(let a) = values[k] { return a }
        preconditionFailure("layer setting \(k) is not an activation")
    }
    public func initializer(_ k: String) -> Initializer {
        if case .initializer(let i) = values[k] { return i }
        preconditionFailure("layer setting \(k) is not an initializer")
    }
    public func regularizer(_ k: String) -> Regularizer? {
        if case .regularizer(let r) = values[k] { return r }
        return nil
    }
    public func constraint(_ k: String) -> Constraint? {
        if case .constraint(let c) = values[k] { return c }
        return nil
    }
}

extension ComponentCall {
    /// A bare name stands for itself as an argument; a call as a call.
    var asArgument: Argument {
        if positional.isEmpty && keywords.isEmpty {
            if let d = Double(name) { return .number(d, text: name) }
            return .word(name)
        }
        return .call(self)
    }
}
