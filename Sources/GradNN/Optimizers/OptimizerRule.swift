import GradTensor

/// One optimizer's update rule (MLX Swift's `OptimizerBase` subclasses): its Keras name, keyword arguments and
/// defaults, the slots it keeps per parameter, and its step. Everything the rules share — slots keyed by the
/// parameter, clipping, the learning rate and its schedule, the step count, saving and restoring — is in `Optimizer`.
///
/// A new optimizer is one file with a type conforming to this protocol, plus one line in `OptimizerRules.all`.
public protocol OptimizerRule: Sendable, CustomStringConvertible {
    /// What `prepare` computes once per step for every parameter (bias corrections, momentum schedules).
    associatedtype StepConstants

    /// Keras' name, as `compile optimizer=`, saved models and Keras configs (lower-cased) spell it.
    static var name: String { get }
    /// Keras' class, `keras.optimizers.Adam`.
    static var kerasClassName: String { get }
    /// Keras' default learning rate (0.001 unless the rule says otherwise).
    static var defaultLearningRate: Float { get }
    /// Keras' default `weight_decay` (None, except AdamW's 0.004).
    static var defaultWeightDecay: Float? { get }
    /// Keras' keyword arguments beyond the learning rate, in Keras' order: the one list that the shell's parser,
    /// the model store, the Keras importer and the exporters read. Their defaults are those of `init()`.
    static var keys: [OptimizerKey<Self>] { get }
    /// The rule with Keras' defaults.
    init()

    /// How many tensors the rule keeps per parameter.
    var slotCount: Int { get }
    /// The value slot `index` starts at (0 unless the rule says otherwise; Adagrad's accumulator starts higher).
    func initialSlotValue(_ index: Int) -> Float
    /// The arguments `description` shows (all of them unless the rule leaves out ones at their neutral value).
    var describedArguments: [(name: String, value: OptimizerValue)] { get }

    /// Numbers the rule carries from step to step beyond the slots, with their start values and the range a saved
    /// value must lie in; `Optimizer` keeps, saves and restores them by name.
    static var scalars: [RuleScalar] { get }
    /// The step-wide constants of step `t` (1 for the first step); may advance the rule's scalar state.
    func prepare(step t: Double, learningRate lr: Float, scalars: inout [Double]) -> StepConstants
    /// Updates `count` weights of one parameter in place from its gradient, and its slots from element
    /// `offset` on (`w` and `g` point at that element already); each element's arithmetic does not depend on
    /// where the range starts, so a parameter may be updated in pieces.
    func apply(_ c: StepConstants, weights w: UnsafeMutablePointer<Float>, gradient g: UnsafeMutablePointer<Float>,
               slots: [Tensor], offset: Int, count n: Int)
}

/// A value of an optimizer's keyword argument: a number or a flag (`nesterov`).
public enum OptimizerValue: Equatable, Sendable {
    case number(Float)
    case flag(Bool)

    /// As gradlab prints it: `0.9`, `true`.
    public var text: String {
        switch self {
        case .number(let v): return formatFloat(v)
        case .flag(let b): return b ? "true" : "false"
        }
    }
}

/// One keyword argument of rule `R`: its Keras name, the stored property it sets, and the range the shell accepts.
public struct OptimizerKey<R>: Sendable {
    public enum Field: @unchecked Sendable {
        case number(WritableKeyPath<R, Float>, range: ClosedRange<Double>)
        case flag(WritableKeyPath<R, Bool>)
    }
    public let name: String
    public let field: Field

    public static func number(_ name: String, _ path: WritableKeyPath<R, Float>,
                              range: ClosedRange<Double> = 0...1) -> Self {
        Self(name: name, field: .number(path, range: range))
    }
    public static func flag(_ name: String, _ path: WritableKeyPath<R, Bool>) -> Self {
        Self(name: name, field: .flag(path))
    }
}

/// A number an update rule carries from step to step beyond the slots, saved with the model under `name`.
public struct RuleScalar: Sendable {
    public let name: String
    public let initial: Double
    /// A saved value outside it is ignored on loading.
    public let range: ClosedRange<Double>
}

/// A keyword argument without its rule's type, for the parsers: name, Keras default, accepted range (numbers).
public struct OptimizerKeySpec: Sendable {
    public let name: String
    public let defaultValue: OptimizerValue
    /// nil for a flag.
    public let range: ClosedRange<Double>?
}

extension OptimizerRule {
    public static var kerasClassName: String { name.prefix(1).uppercased() + name.dropFirst() }
    public static var defaultLearningRate: Float { 0.001 }
    public static var defaultWeightDecay: Float? { nil }
    public static var scalars: [RuleScalar] { [] }
    public func initialSlotValue(_ index: Int) -> Float { 0 }

    public var name: String { Self.name }
    public var defaultLearningRate: Float { Self.defaultLearningRate }

    /// The rule with `values` for its keys, Keras' defaults for the rest (the caller has checked the ranges).
    public init(_ values: [String: OptimizerValue]) {
        self.init()
        for key in Self.keys {
            switch (key.field, values[key.name]) {
            case (.number(let path, _), .number(let v)?): self[keyPath: path] = v
            case (.flag(let path), .flag(let b)?): self[keyPath: path] = b
            default: break
            }
        }
    }

    /// The rule with each key's value from `value` (nil: Keras' default), read in `keys` order — the one loop the
    /// shell's parser, the model store and the Keras importer share.
    public static func reading(_ value: (OptimizerKeySpec) throws -> OptimizerValue?) rethrows -> Self {
        var values: [String: OptimizerValue] = [:]
        for key in keySpecs { values[key.name] = try value(key) }
        return Self(values)
    }

    /// Keras' keyword arguments and their values, in `keys` order (Keras' `get_config` without the learning rate).
    public var arguments: [(name: String, value: OptimizerValue)] {
        Self.keys.map { key in
            switch key.field {
            case .number(let path, _): return (key.name, .number(self[keyPath: path]))
            case .flag(let path): return (key.name, .flag(self[keyPath: path]))
            }
        }
    }

    public var describedArguments: [(name: String, value: OptimizerValue)] { arguments }

    public static var keySpecs: [OptimizerKeySpec] {
        let defaults = Self()
        return keys.map { key in
            switch key.field {
            case .number(let path, let range):
                return OptimizerKeySpec(name: key.name, defaultValue: .number(defaults[keyPath: path]), range: range)
            case .flag(let path):
                return OptimizerKeySpec(name: key.name, defaultValue: .flag(defaults[keyPath: path]), range: nil)
            }
        }
    }

    /// `adam(learning_rate=0.001, beta_1=0.9, …)`, with `learningRate` already as text (a number or a schedule).
    public func description(learningRate: String) -> String {
        let parts = ["learning_rate=\(learningRate)"] + describedArguments.map { "\($0.name)=\($0.value.text)" }
        return "\(Self.name)(\(parts.joined(separator: ", ")))"
    }

    public var description: String { description(learningRate: formatFloat(Self.defaultLearningRate)) }

    /// Whether `other` is the same rule with the same arguments.
    public func isSame(as other: any OptimizerRule) -> Bool {
        guard let o = other as? Self else { return false }
        return o.arguments.map(\.value) == arguments.map(\.value)
    }
}

/// The registry of update rules: one line per optimizer.
public enum OptimizerRules {
    public static let all: [any OptimizerRule.Type] = [
        SGD.self,
        Adagrad.self,
        RMSprop.self,
        Adam.self,
        AdamW.self,
        Adamax.self,
        Nadam.self,
    ]

    /// Keras' names, in registry order (`sgd`, `adagrad`, …).
    public static var names: [String] { all.map { $0.name } }

    /// The rule type called `name` (Keras' name, any case).
    public static func named(_ name: String) -> (any OptimizerRule.Type)? {
        let n = name.lowercased()
        return all.first { $0.name == n }
    }
}
