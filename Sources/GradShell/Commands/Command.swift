import GradNN

/// What Tab completes for an argument.
public enum Completion: Equatable, Sendable {
    case none
    case words([String])
    case paths
    case layerKinds
    case commands
}

/// One `key=` a command accepts, with its help and completion.
public struct KeySpec: Sendable {
    public var name: String
    public var help: String
    public var completion: Completion
    public init(_ name: String, _ help: String, _ completion: Completion = .none) {
        self.name = name
        self.help = help
        self.completion = completion
    }
}

/// Everything the shell knows about a command before running it: help,
/// usage, keys and completion all come from here.
public struct CommandSpec: Sendable {
    public var name: String
    public var summary: String
    public var usage: String
    public var discussion: String
    public var keys: [KeySpec]
    /// Completion for the first positional word (subcommands, layer kinds…).
    public var positional: Completion
    public var examples: [String]
    public var category: String

    public init(name: String, summary: String, usage: String, discussion: String = "", keys: [KeySpec] = [],
                positional: Completion = .none, examples: [String] = [], category: String = "general") {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.discussion = discussion
        self.keys = keys
        self.positional = positional
        self.examples = examples
        self.category = category
    }
}

/// A shell command is a value: parsed and validated once from the line
/// (`init`), then executed against the session (`run`), returning its text.
/// `init` must not change the session; `run` must either succeed or leave it
/// as it was.
public protocol Command {
    static var spec: CommandSpec { get }
    init(_ args: inout Arguments, session: Session) throws
    func run(_ session: Session) throws -> String
}
