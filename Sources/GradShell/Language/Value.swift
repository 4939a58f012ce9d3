/// A parsed argument value, with the columns it came from.
public indirect enum Value: Equatable {
    case word(String)
    case number(Double, String)
    case string(String)
    /// `sgd(learning_rate=0.01, momentum=0.9)`
    case call(String, positional: [Argument], keywords: [Argument])
    /// `a,b,c`
    case list([Value])
    /// `0..4` (inclusive, as the shell's `index=0..4` means five items)
    case range(Int, Int)

    /// The value as the user would type it.
    public var text: String {
        switch self {
        case .word(let w): return w
        case .number(_, let t): return t
        case .string(let s): return "\"\(s)\""
        case .call(let n, let p, let k):
            return n + "(" + (p + k).map(\.text).joined(separator: ", ") + ")"
        case .list(let vs): return vs.map(\.text).joined(separator: ",")
        case .range(let a, let b): return "\(a)..\(b)"
        }
    }
}

/// One argument: a value, with a `key=` when given as a keyword.
public struct Argument: Equatable {
    public var key: String?
    public var value: Value
    /// Columns (0-based, in characters) of the whole argument in the line.
    public var span: Range<Int>
    public init(key: String?, value: Value, span: Range<Int>) {
        self.key = key
        self.value = value
        self.span = span
    }
    public var text: String { (key.map { "\($0)=" } ?? "") + value.text }
}

/// A line split into the command word, its arguments and `--flags`.
public struct ParsedLine: Equatable {
    public var command: String
    public var commandSpan: Range<Int>
    public var arguments: [Argument]
    public var flags: [(name: String, span: Range<Int>)]
    /// The line as typed, without a trailing comment.
    public var source: String

    public static func == (a: ParsedLine, b: ParsedLine) -> Bool {
        a.command == b.command && a.arguments == b.arguments && a.flags.map(\.name) == b.flags.map(\.name)
    }
}

/// A user-facing error: one sentence, the column it points at, and what
/// would be accepted.
public struct ShellError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var span: Range<Int>?
    public init(_ message: String, at span: Range<Int>? = nil) {
        self.message = message
        self.span = span
    }
    public var description: String { message }
}
