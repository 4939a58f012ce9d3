/// A component setting written as text, `he_normal` or `l1_l2(l1=0.01, l2=0.001)`:
/// the one form that `add` lines, `compile` lines and `model.json` share, so a
/// component is read by one parser wherever it comes from.
public struct ComponentCall: Equatable, Sendable {
    /// One argument inside the parentheses: a number, a word, a nested call
    /// or a list of them (`boundaries=[5, 15]`).
    public indirect enum Argument: Equatable, Sendable {
        case number(Double, text: String)
        case word(String)
        case call(ComponentCall)
        case list([Argument])

        public var text: String {
            switch self {
            case .number(_, let t): return t
            case .word(let w): return w
            case .call(let c): return c.text
            case .list(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
            }
        }
    }

    public var name: String
    public var positional: [(value: Argument, span: Range<Int>?)]
    public var keywords: [(key: String, value: Argument, span: Range<Int>?)]
    /// Where the whole call was typed, for errors that point at it.
    public var span: Range<Int>?

    public init(name: String, positional: [(value: Argument, span: Range<Int>?)] = [],
                keywords: [(key: String, value: Argument, span: Range<Int>?)] = [], span: Range<Int>? = nil) {
        self.name = name
        self.positional = positional
        self.keywords = keywords
        self.span = span
    }

    public static func == (a: ComponentCall, b: ComponentCall) -> Bool {
        a.name == b.name && a.positional.map(\.value) == b.positional.map(\.value)
            && a.keywords.map(\.key) == b.keywords.map(\.key) && a.keywords.map(\.value) == b.keywords.map(\.value)
    }

    public var text: String {
        let args = positional.map(\.value.text) + keywords.map { "\($0.key)=\($0.value.text)" }
        return args.isEmpty ? name : name + "(" + args.joined(separator: ", ") + ")"
    }

    /// Python's digit grouping: `10_000` → `10000` when every underscore
    /// stands between two digits; nil otherwise (the shell's parser uses it too).
    public static func ungrouped(_ text: String) -> String? {
        let c = Array(text)
        guard c.contains("_"), let first = c.first, first.isNumber else { return nil }
        for (i, ch) in c.enumerated() where ch == "_" {
            guard i > 0, i + 1 < c.count, c[i - 1].isNumber, c[i + 1].isNumber else { return nil }
        }
        return text.replacingOccurrences(of: "_", with: "")
    }

    /// Parses `name` or `name(arg, key=value, …)` as `model.json` stores it.
    public init(parsing text: String) throws {
        var p = TextParser(Array(text.unicodeScalars))
        self = try p.call()
        p.skipSpaces()
        guard p.atEnd else { throw ComponentError("'\(text)' has extra text after \(self.text)") }
    }

    /// The arguments by key, a positional argument standing for the key at its
    /// place in `order`; unknown keys, duplicates and surplus arguments are errors.
    public func arguments(_ order: [String]) throws -> [String: (value: Argument, span: Range<Int>?)] {
        var d: [String: (value: Argument, span: Range<Int>?)] = [:]
        guard positional.count <= order.count else {
            let s = positional[order.count].span ?? span
            if order.isEmpty { throw ComponentError("\(name) takes no arguments", at: s) }
            throw ComponentError("\(name)() takes at most \(order.count) positional argument\(order.count == 1 ? "" : "s") (\(order.joined(separator: ", ")))", at: s)
        }
        for (i, a) in positional.enumerated() { d[order[i]] = a }
        for k in keywords {
            guard order.contains(k.key) else {
                throw ComponentError("\(name)() has no argument '\(k.key)'" + nameHint(k.key, order), at: k.span ?? span)
            }
            guard d[k.key] == nil else { throw ComponentError("\(name)(): \(k.key)= is given twice", at: k.span ?? span) }
            d[k.key] = (k.value, k.span)
        }
        return d
    }

    /// A number argument by key, its default when absent, checked against `range`.
    public func number(_ key: String, in args: [String: (value: Argument, span: Range<Int>?)], default d: Float,
                       range: ClosedRange<Double> = -1e30...1e30) throws -> Float {
        guard let a = args[key] else { return d }
        guard case .number(let v, let t) = a.value, v.isFinite else {
            throw ComponentError("\(name)(): \(key) must be a number, not '\(a.value.text)'", at: a.span ?? span)
        }
        guard range.contains(v) else {
            throw ComponentError("\(name)(): \(key)=\(t) is out of range \(shortNumber(range.lowerBound))…\(shortNumber(range.upperBound))", at: a.span ?? span)
        }
        return Float(v)
    }

    /// A word argument by key from a fixed set.
    public func word(_ key: String, in args: [String: (value: Argument, span: Range<Int>?)], default d: String, from choices: [String]) throws -> String {
        guard let a = args[key] else { return d }
        guard case .word(let w) = a.value, choices.contains(w.lowercased()) else {
            throw ComponentError("\(name)(): \(key) must be one of \(choices.joined(separator: ", ")), not '\(a.value.text)'", at: a.span ?? span)
        }
        return w.lowercased()
    }
}

/// A component that cannot be made as written: one sentence, and where it was typed.
public struct ComponentError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var span: Range<Int>?
    public init(_ message: String, at span: Range<Int>? = nil) {
        self.message = message
        self.span = span
    }
    public var description: String { message }
}

/// "; did you mean 'relu'?", or else every accepted name (a component kind has few).
func nameHint(_ word: String, _ names: [String]) -> String {
    if let best = Suggestions.closest(to: word, in: names).first { return "; did you mean '\(best)'?" }
    return "; accepted: " + names.joined(separator: ", ")
}

func shortNumber(_ d: Double) -> String {
    if d >= 1e30 { return "∞" }
    if d <= -1e30 { return "-∞" }
    return d == d.rounded() && abs(d) < 1e9 ? String(Int(d)) : String(d)
}

/// A recursive-descent reader for the text form (names, numbers, calls).
private struct TextParser {
    let s: [Unicode.Scalar]
    var i = 0
    init(_ s: [Unicode.Scalar]) { self.s = s }
    var atEnd: Bool { i >= s.count }

    mutating func skipSpaces() { while i < s.count, s[i] == " " { i += 1 } }

    mutating func word() -> String {
        let start = i
        while i < s.count, s[i].properties.isAlphabetic || ("0"..."9").contains(s[i]) || s[i] == "_" || s[i] == "." || s[i] == "-" || s[i] == "+" { i += 1 }
        return String(String.UnicodeScalarView(s[start..<i]))
    }

    mutating func call() throws -> ComponentCall {
        skipSpaces()
        let name = word()
        guard !name.isEmpty else { throw ComponentError("expected a name at '\(String(String.UnicodeScalarView(s[i...])))'") }
        var c = ComponentCall(name: name.lowercased())
        skipSpaces()
        guard i < s.count, s[i] == "(" else { return c }
        i += 1
        skipSpaces()
        if i < s.count, s[i] == ")" { i += 1; return c }
        while true {
            skipSpaces()
            let save = i
            let w = word()
            skipSpaces()
            if !w.isEmpty, i < s.count, s[i] == "=" {
                i += 1
                c.keywords.append((w, try argument(), nil))
            } else {
                i = save
                c.positional.append((try argument(), nil))
            }
            skipSpaces()
            guard i < s.count else { throw ComponentError("\(name)( is not closed") }
            if s[i] == ")" { i += 1; return c }
            guard s[i] == "," else { throw ComponentError("expected , or ) in \(name)(…)") }
            i += 1
        }
    }

    mutating func argument() throws -> ComponentCall.Argument {
        skipSpaces()
        if i < s.count, s[i] == "[" {
            i += 1
            var items: [ComponentCall.Argument] = []
            while true {
                skipSpaces()
                if i < s.count, s[i] == "]", items.isEmpty { i += 1; return .list(items) }
                items.append(try argument())
                skipSpaces()
                guard i < s.count else { throw ComponentError("[ is not closed") }
                if s[i] == "]" { i += 1; return .list(items) }
                guard s[i] == "," else { throw ComponentError("expected , or ] in a list") }
                i += 1
            }
        }
        let save = i
        let w = word()
        if let v = Double(w) { return .number(v, text: w) }
        if let plain = ComponentCall.ungrouped(w), let v = Double(plain) { return .number(v, text: plain) }
        i = save
        let c = try call()
        return c.positional.isEmpty && c.keywords.isEmpty && !(i > 0 && s[i - 1] == ")") ? .word(c.name) : .call(c)
    }
}
