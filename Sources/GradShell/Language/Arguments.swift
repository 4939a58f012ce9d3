import GradNN
/// Typed access to a parsed line's arguments for one command. Every
/// accessor throws a `ShellError` naming the word at fault; `finish()`
/// rejects keys the command did not read, with a suggestion.
public struct Arguments {
    public let line: ParsedLine
    private var positional: [Argument]
    private var keywords: [String: Argument] = [:]
    private var usedKeys: Set<String> = []
    private var nextPositional = 0
    let allowedKeys: [String]

    public init(_ line: ParsedLine, keys: [String]) throws {
        self.line = line
        self.allowedKeys = keys
        positional = line.arguments.filter { $0.key == nil }
        for a in line.arguments {
            guard let k = a.key else { continue }
            if keywords[k] != nil { throw ShellError("\(k)= is given twice", at: a.span) }
            keywords[k] = a
        }
        for a in line.arguments {
            if let k = a.key, !keys.contains(k) {
                throw ShellError("'\(line.command)' has no key '\(k)'" + Suggestions.hint(for: k, in: keys), at: a.span)
            }
        }
    }

    private var usedFlags: Set<String> = []

    /// Whether a `--flag` was given.
    public mutating func flag(_ name: String) -> Bool {
        usedFlags.insert(name)
        return line.flags.contains { $0.name == name }
    }

    /// The next positional argument, if any.
    public mutating func nextArgument() -> Argument? {
        guard nextPositional < positional.count else { return nil }
        defer { nextPositional += 1 }
        return positional[nextPositional]
    }

    /// Looks at the next positional argument without consuming it.
    public func peekWord() -> String? {
        guard nextPositional < positional.count, case .word(let w) = positional[nextPositional].value else { return nil }
        return w.lowercased()
    }

    public var remainingPositionals: Int { positional.count - nextPositional }

    /// The keyword argument `key`, marking it used.
    public mutating func keyword(_ key: String) -> Argument? {
        usedKeys.insert(key)
        return keywords[key]
    }

    /// A keyword or the next positional.
    public mutating func argument(_ key: String, positional: Bool) -> Argument? {
        if let k = keyword(key) { return k }
        return positional ? nextArgument() : nil
    }

    public mutating func int(_ key: String, positional: Bool = false, default d: Int? = nil,
                             range: ClosedRange<Int> = 0...Int.max) throws -> Int? {
        guard let a = argument(key, positional: positional) else { return d }
        return try Arguments.int(a, name: key, range: range)
    }

    public static func int(_ a: Argument, name: String, range: ClosedRange<Int>) throws -> Int {
        guard case .number(let v, let t) = a.value, v == v.rounded(), abs(v) < 1e15 else {
            throw ShellError("\(name) must be a whole number, not '\(a.value.text)'", at: a.span)
        }
        let i = Int(v)
        guard range.contains(i) else {
            let hi = range.upperBound == Int.max ? "" : " and \(range.upperBound)"
            throw ShellError("\(name)=\(t) is out of range; use a number \(range.upperBound == Int.max ? "≥ \(range.lowerBound)" : "between \(range.lowerBound)\(hi)")", at: a.span)
        }
        return i
    }

    public mutating func float(_ key: String, positional: Bool = false, default d: Float? = nil,
                               range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> Float? {
        guard let a = argument(key, positional: positional) else { return d }
        return try Arguments.float(a, name: key, range: range)
    }

    public static func float(_ a: Argument, name: String, range: ClosedRange<Double>) throws -> Float {
        guard case .number(let v, let t) = a.value, v.isFinite else {
            throw ShellError("\(name) must be a number, not '\(a.value.text)'", at: a.span)
        }
        guard range.contains(v) else {
            throw ShellError("\(name)=\(t) is out of range \(fmt(range.lowerBound))…\(fmt(range.upperBound))", at: a.span)
        }
        return Float(v)
    }

    static func fmt(_ d: Double) -> String {
        if d == .greatestFiniteMagnitude { return "∞" }
        if d == -.greatestFiniteMagnitude { return "-∞" }
        return d == d.rounded() && abs(d) < 1e9 ? String(Int(d)) : String(d)
    }

    public mutating func bool(_ key: String, default d: Bool) throws -> Bool {
        guard let a = keyword(key) else { return d }
        return try Arguments.bool(a, name: key)
    }

    public static func bool(_ a: Argument, name: String) throws -> Bool {
        switch a.value.text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ShellError("\(name) must be true or false, not '\(a.value.text)'", at: a.span)
        }
    }

    /// A word from a fixed set.
    public mutating func choice(_ key: String, positional: Bool = false, from choices: [String], default d: String? = nil) throws -> String? {
        guard let a = argument(key, positional: positional) else { return d }
        return try Arguments.choice(a, name: key, from: choices)
    }

    public static func choice(_ a: Argument, name: String, from choices: [String]) throws -> String {
        let w: String
        switch a.value {
        case .word(let s), .string(let s): w = s.lowercased()
        case .number(_, let t): w = t
        default: throw ShellError("\(name) must be one of \(choices.joined(separator: ", ")), not '\(a.value.text)'", at: a.span)
        }
        guard choices.contains(w) else {
            throw ShellError("'\(w)' is not a valid \(name)" + Suggestions.hint(for: w, in: choices), at: a.span)
        }
        return w
    }

    /// A path or free word.
    public mutating func string(_ key: String, positional: Bool = false) throws -> String? {
        guard let a = argument(key, positional: positional) else { return nil }
        switch a.value {
        case .word(let s), .string(let s): return s
        case .number(_, let t): return t
        default: throw ShellError("\(key) must be a word or path, not '\(a.value.text)'", at: a.span)
        }
    }

    /// Index lists: `3`, `0..4`, `1,5,9`.
    public mutating func indices(_ key: String, positional: Bool = false, limit: Int) throws -> [Int]? {
        guard let a = argument(key, positional: positional) else { return nil }
        func items(_ v: Value) throws -> [Int] {
            switch v {
            case .number(let d, _) where d == d.rounded() && d >= 0 && d < Double(limit): return [Int(d)]
            case .range(let lo, let hi) where lo >= 0 && hi >= lo && hi < limit:
                guard hi - lo < 100_000 else { throw ShellError("\(key)=\(v.text) selects too many items; at most 100000", at: a.span) }
                return Array(lo...hi)
            case .list(let vs): return try vs.flatMap(items)
            default: throw ShellError("\(key)=\(v.text) must be indices between 0 and \(limit - 1), like 3, 0..4 or 1,5,9", at: a.span)
            }
        }
        return try items(a.value)
    }

    /// Fails on positional arguments, keys and flags left over: a key this
    /// form of the command does not use is an error, not silently ignored.
    public func finish() throws {
        for f in line.flags where !usedFlags.contains(f.name) {
            throw ShellError("'\(line.command)' has no flag --\(f.name)", at: f.span)
        }
        for a in line.arguments {
            if let k = a.key, !usedKeys.contains(k) {
                throw ShellError("\(k)= does not apply to this form of '\(line.command)'; see `help \(line.command)`", at: a.span)
            }
        }
        if nextPositional < positional.count {
            let a = positional[nextPositional]
            throw ShellError("unexpected argument '\(a.text)' for '\(line.command)'; see `help \(line.command)`", at: a.span)
        }
    }
}
