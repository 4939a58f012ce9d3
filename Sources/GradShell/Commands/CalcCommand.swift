import Foundation
import GradNN

/// `calc EXPR`, or a line that starts with a number or `(`: Python arithmetic,
/// printed as Python's prompt would (the notebook's cell 44 works out an error
/// rate this way).
struct CalcCommand: Command {
    static let spec = CommandSpec(
        name: "calc", summary: "work out arithmetic, as Python would (a line starting with a number or '(' is one)",
        usage: "calc EXPR | EXPR",
        discussion: "Numbers (10_000 and 1e-3 too), + - * / // % **, parentheses, comparisons, pi, e and exp log sqrt sin cos floor ceil min max abs pow — in double precision, as Python. Nothing else: no names, no assignments. The result is printed as Python prints it (5 for 2 + 3, 5.0 for 10 / 2).",
        examples: ["1 - (100 - 93.85) / (100 - 91.85)", "calc 50_000 * 25 // 32", "calc 0.01 * 0.1 ** (10 / 20)"])
    let text: String

    init(_ args: inout Arguments, session: Session) throws {
        var s = Substring(args.line.source.trimmingCharacters(in: .whitespaces))
        if s.lowercased().hasPrefix("calc") { s = s.dropFirst(4) }
        text = s.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw ShellError("calc needs an expression, e.g. `calc 1 - (100 - 93.85) / (100 - 91.85)`") }
    }

    func run(_ session: Session) throws -> String {
        let v: Double
        do { v = try RateExpression.calculate(text) } catch let e as ComponentError { throw ShellError(e.message) }
        guard v.isFinite else { throw ShellError("\(text) is \(v.isNaN ? "not a number" : "infinite") (a division by zero, or too large)") }
        return CalcCommand.pythonText(v, for: text)
    }

    /// Python's integers stay integers: no '.', no true division, no function, no e-notation.
    static func pythonText(_ v: Double, for text: String) -> String {
        let floaty = text.contains(".") || text.replacingOccurrences(of: "//", with: "").contains("/")
            || text.range(of: #"(exp|log|sqrt|sin|cos|pow)\s*\("#, options: .regularExpression) != nil
            || text.range(of: #"\d[eE][-+]?\d"#, options: .regularExpression) != nil
            || text.range(of: #"\*\*\s*-"#, options: .regularExpression) != nil
            || text.range(of: #"\bpi\b|\be\b"#, options: .regularExpression) != nil
        if !floaty, v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
        return "\(v)"
    }
}
