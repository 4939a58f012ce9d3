import Foundation

/// A learning rate written as a Python expression of `epoch` and `lr`, the
/// body of the function the book hands Keras' `LearningRateScheduler`:
/// `0.01 * 0.1 ** (epoch / 20)`, `lr * 0.1 ** (1 / 20)`,
/// `0.005 if epoch < 5 else 0.001`. A safe subset of Python, evaluated in
/// double precision as Python does: numbers, `epoch`, `lr`, `pi`, `e`,
/// + - * / // % ** (right-associative, above unary minus), comparisons
/// (chained), `and`, `or`, `not`, `A if C else B`, parentheses and
/// `exp log sqrt sin cos floor ceil min max abs pow` (with or without `math.`).
/// Nothing else: no other names, attributes or calls.
public struct RateExpression: Equatable, Sendable, CustomStringConvertible {
    indirect enum Node: Equatable, Sendable {
        case number(Double, String)
        case name(String)
        case unary(String, Node)
        case binary(String, Node, Node)
        /// `a < b <= c`: operators and operands in order.
        case compare([String], [Node])
        case conditional(Node, condition: Node, otherwise: Node)
        case call(String, [Node])
    }

    /// The expression as typed.
    public let text: String
    let root: Node

    public static let names = ["epoch", "lr", "pi", "e"]
    public static let functions = ["exp", "log", "sqrt", "sin", "cos", "floor", "ceil", "min", "max", "abs", "pow"]

    public init(_ text: String) throws {
        try self.init(text, names: RateExpression.names)
    }

    init(_ text: String, names: [String]) throws {
        var p = ExpressionParser(tokens: try ExpressionParser.tokens(text), text: text, names: names)
        root = try p.expression()
        guard p.atEnd else { throw ComponentError("unexpected '\(p.peek ?? "")' in \(names.contains("epoch") ? "the learning-rate expression" : "the calculation") '\(text)'") }
        self.text = text
    }

    /// A calculation typed at the prompt (`1 - (100 - 93.85) / (100 - 91.85)`, the
    /// notebook's cell 44): the same Python arithmetic, with numbers, pi and e only.
    public static func calculate(_ text: String) throws -> Double {
        try RateExpression(text, names: ["pi", "e"]).value(epoch: 0, lr: 0)
    }

    public var description: String { text }

    /// The value at `epoch` (from 0, as Keras counts) with the current rate `lr`.
    public func value(epoch: Int, lr: Double) -> Double {
        evaluate(root, epoch: Double(epoch), lr: lr)
    }

    private func evaluate(_ n: Node, epoch: Double, lr: Double) -> Double {
        func ev(_ n: Node) -> Double { evaluate(n, epoch: epoch, lr: lr) }
        switch n {
        case .number(let v, _): return v
        case .name(let s):
            switch s {
            case "epoch": return epoch
            case "lr": return lr
            case "pi": return Double.pi
            default: return M_E
            }
        case .unary(let op, let a):
            let v = ev(a)
            switch op {
            case "-": return -v
            case "+": return v
            default: return v == 0 ? 1 : 0   // not
            }
        case .binary(let op, let a, let b):
            switch op {
            case "and": let x = ev(a); return x == 0 ? x : ev(b)
            case "or": let x = ev(a); return x != 0 ? x : ev(b)
            default: break
            }
            let x = ev(a), y = ev(b)
            switch op {
            case "+": return x + y
            case "-": return x - y
            case "*": return x * y
            case "/": return x / y
            case "//": return (x / y).rounded(.down)
            case "%": return y == 0 ? .nan : x - y * (x / y).rounded(.down)
            default: return Foundation.pow(x, y)   // **
            }
        case .compare(let ops, let items):
            var left = ev(items[0])
            for (i, op) in ops.enumerated() {
                let right = ev(items[i + 1])
                let holds: Bool
                switch op {
                case "<": holds = left < right
                case "<=": holds = left <= right
                case ">": holds = left > right
                case ">=": holds = left >= right
                case "==": holds = left == right
                default: holds = left != right
                }
                if !holds { return 0 }
                left = right
            }
            return 1
        case .conditional(let a, let c, let b):
            return ev(c) != 0 ? ev(a) : ev(b)
        case .call(let f, let args):
            let v = args.map(ev)
            switch f {
            case "exp": return Foundation.exp(v[0])
            case "log": return v.count == 2 ? Foundation.log(v[0]) / Foundation.log(v[1]) : Foundation.log(v[0])
            case "sqrt": return Foundation.sqrt(v[0])
            case "sin": return Foundation.sin(v[0])
            case "cos": return Foundation.cos(v[0])
            case "floor": return v[0].rounded(.down)
            case "ceil": return v[0].rounded(.up)
            case "min": return v.min()!
            case "max": return v.max()!
            case "abs": return Swift.abs(v[0])
            default: return Foundation.pow(v[0], v[1])
            }
        }
    }

    /// The expression as Python with the `math` module's names spelled out,
    /// parenthesised so that it means the same wherever it is pasted.
    public var python: String { Self.python(root) }

    private static func python(_ n: Node) -> String {
        switch n {
        case .number(_, let t): return t
        case .name(let s): return s == "pi" || s == "e" ? "math.\(s)" : s
        case .unary(let op, let a): return op == "not" ? "(not \(python(a)))" : "(\(op)\(python(a)))"
        case .binary(let op, let a, let b): return "(\(python(a)) \(op) \(python(b)))"
        case .compare(let ops, let items):
            var s = python(items[0])
            for (i, op) in ops.enumerated() { s += " \(op) " + python(items[i + 1]) }
            return "(\(s))"
        case .conditional(let a, let c, let b): return "(\(python(a)) if \(python(c)) else \(python(b)))"
        case .call(let f, let args):
            let name = ["min", "max", "abs", "pow"].contains(f) ? f : "math.\(f)"
            return name + "(" + args.map(python).joined(separator: ", ") + ")"
        }
    }
}

/// Tokens and recursive descent, in Python's precedence order.
struct ExpressionParser {
    var tokens: [String]
    let text: String
    var i = 0

    /// The variables it may use.
    let names: [String]

    init(tokens: [String], text: String, names: [String] = RateExpression.names) {
        self.tokens = tokens
        self.text = text
        self.names = names
    }

    var atEnd: Bool { i >= tokens.count }
    var peek: String? { atEnd ? nil : tokens[i] }

    /// How deep the parse is: a line of 10,000 '(' is refused, not a stack overflow.
    var depth = 0
    static let maximumDepth = 100

    mutating func deeper() throws {
        depth += 1
        guard depth <= ExpressionParser.maximumDepth else {
            throw ComponentError("'\(text.prefix(40))…' is nested more than \(ExpressionParser.maximumDepth) levels deep")
        }
    }

    static func tokens(_ text: String) throws -> [String] {
        guard text.count <= 2000 else { throw ComponentError("the expression is \(text.count) characters long; 2,000 at most") }
        var out: [String] = []
        let s = Array(text)
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == " " || c == "\t" { i += 1; continue }
            if c.isNumber || (c == "." && i + 1 < s.count && s[i + 1].isNumber) {
                var j = i
                while j < s.count, s[j].isNumber || s[j] == "." || s[j] == "_" { j += 1 }
                if j < s.count, s[j] == "e" || s[j] == "E" {
                    var k = j + 1
                    if k < s.count, s[k] == "+" || s[k] == "-" { k += 1 }
                    if k < s.count, s[k].isNumber {
                        j = k
                        while j < s.count, s[j].isNumber { j += 1 }
                    }
                }
                out.append(String(s[i..<j]))
                i = j
            } else if c.isLetter || c == "_" {
                var j = i
                while j < s.count, s[j].isLetter || s[j].isNumber || s[j] == "_" || s[j] == "." { j += 1 }
                out.append(String(s[i..<j]))
                i = j
            } else {
                let two = i + 1 < s.count ? String(s[i...(i + 1)]) : ""
                if ["**", "//", "<=", ">=", "==", "!="].contains(two) { out.append(two); i += 2 }
                else if "+-*/%<>(),".contains(c) { out.append(String(c)); i += 1 }
                else { throw ComponentError("'\(c)' has no meaning in a learning-rate expression ('\(text)')") }
            }
        }
        guard !out.isEmpty else { throw ComponentError("the learning-rate expression is empty; write e.g. \"0.01 * 0.1 ** (epoch / 20)\"") }
        return out
    }

    mutating func take(_ t: String) -> Bool {
        if peek == t { i += 1; return true }
        return false
    }

    mutating func expect(_ t: String) throws {
        guard take(t) else { throw ComponentError("expected '\(t)'\(peek.map { " before '\($0)'" } ?? " at the end") in '\(text)'") }
    }

    mutating func expression() throws -> RateExpression.Node {
        try deeper()
        defer { depth -= 1 }
        let a = try or()
        guard take("if") else { return a }
        let c = try or()
        try expect("else")
        return .conditional(a, condition: c, otherwise: try expression())
    }

    mutating func or() throws -> RateExpression.Node {
        var a = try and()
        while take("or") { a = .binary("or", a, try and()) }
        return a
    }

    mutating func and() throws -> RateExpression.Node {
        var a = try not()
        while take("and") { a = .binary("and", a, try not()) }
        return a
    }

    mutating func not() throws -> RateExpression.Node {
        guard take("not") else { return try comparison() }
        try deeper()
        defer { depth -= 1 }
        return .unary("not", try not())
    }

    mutating func comparison() throws -> RateExpression.Node {
        let first = try sum()
        var ops: [String] = [], items = [first]
        while let t = peek, ["<", "<=", ">", ">=", "==", "!="].contains(t) {
            i += 1
            ops.append(t)
            items.append(try sum())
        }
        return ops.isEmpty ? first : .compare(ops, items)
    }

    mutating func sum() throws -> RateExpression.Node {
        var a = try product()
        while let t = peek, t == "+" || t == "-" { i += 1; a = .binary(t, a, try product()) }
        return a
    }

    mutating func product() throws -> RateExpression.Node {
        var a = try unary()
        while let t = peek, ["*", "/", "//", "%"].contains(t) { i += 1; a = .binary(t, a, try unary()) }
        return a
    }

    mutating func unary() throws -> RateExpression.Node {
        guard let t = peek, t == "-" || t == "+" else { return try power() }
        i += 1
        try deeper()
        defer { depth -= 1 }
        return .unary(t, try unary())
    }

    mutating func power() throws -> RateExpression.Node {
        let base = try atom()
        return take("**") ? .binary("**", base, try unary()) : base
    }

    mutating func atom() throws -> RateExpression.Node {
        guard let t = peek else { throw ComponentError("'\(text)' ends where a value is expected") }
        i += 1
        if t == "(" {
            let inner = try expression()
            try expect(")")
            return inner
        }
        if let first = t.first, first.isNumber || first == "." {
            guard let v = Double(t.replacingOccurrences(of: "_", with: "")) else { throw ComponentError("'\(t)' is not a number") }
            return .number(v, t)
        }
        let name = t.hasPrefix("math.") ? String(t.dropFirst(5)) : t
        if take("(") {
            guard RateExpression.functions.contains(name) else {
                throw ComponentError("'\(t)' is not a function a learning-rate expression can call" + nameHint(name, RateExpression.functions))
            }
            var args: [RateExpression.Node] = []
            if !take(")") {
                repeat { args.append(try expression()) } while take(",")
                try expect(")")
            }
            let arity: ClosedRange<Int> = ["min", "max"].contains(name) ? 2...16 : name == "log" ? 1...2 : name == "pow" ? 2...2 : 1...1
            guard arity.contains(args.count) else { throw ComponentError("\(name)() takes \(arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)") argument\(arity.upperBound == 1 ? "" : "s"), not \(args.count)") }
            return .call(name, args)
        }
        guard names.contains(name) else {
            let known = names.contains("epoch") ? "a learning-rate expression: it can use epoch (from 0), lr (the current rate), pi, e and numbers" : "a calculation: it can use numbers, pi and e"
            throw ComponentError("'\(t)' is not known in \(known)" + (t.count > 1 ? nameHint(name, names + RateExpression.functions) : ""))
        }
        return .name(name)
    }
}
