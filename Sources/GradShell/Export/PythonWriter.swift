import Foundation

/// Python source text built a block at a time, for `export keras` and
/// `export pytorch`: static code goes in as multi-line literals a reader can
/// check as Python, indented to the writer's level; the values that vary go
/// in through `PythonLiteral`.
struct PythonWriter {
    /// The text so far; every line ends with a newline.
    private(set) var text = ""
    /// Indentation levels (four spaces each) before each written line.
    var level = 0

    /// Writes each line of `block`, indented; empty lines stay empty.
    mutating func write(_ block: String) {
        let pad = String(repeating: " ", count: 4 * level)
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            text += line.isEmpty ? "\n" : pad + line + "\n"
        }
    }

    /// Writes each line of each block in order.
    mutating func write(lines: [String]) {
        for l in lines { write(l) }
    }

    /// Empty lines: PEP 8 puts two between top-level definitions.
    mutating func blank(_ count: Int = 1) {
        text += String(repeating: "\n", count: count)
    }

    /// Two empty lines, then `# --- title -----…` ruled to 79 columns.
    mutating func section(_ title: String) {
        blank(2)
        write(PythonWriter.ruler(title))
    }

    /// Writes `body` one level deeper.
    mutating func indented(_ body: (inout PythonWriter) throws -> Void) rethrows {
        level += 1
        defer { level -= 1 }
        try body(&self)
    }

    /// `# --- title -----…`, 79 columns wide.
    static func ruler(_ title: String) -> String {
        let head = "# --- \(title) "
        return head + String(repeating: "-", count: max(3, 79 - head.count))
    }

    /// `(2,)`, `(28, 28)`: a shape as a Python tuple.
    static func tuple(_ values: [Int]) -> String {
        "(" + values.map(String.init).joined(separator: ", ") + (values.count == 1 ? ",)" : ")")
    }

    /// Python's reserved words, which cannot be attribute names.
    static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
        "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ]

    /// Whether `name` can follow a dot in Python (ASCII identifiers only).
    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } && !keywords.contains(name)
    }
}

/// A Swift value written as the Python literal that reads back as the same value.
protocol PythonLiteral {
    /// The Python source text of this value.
    var py: String { get }
}

extension Float: PythonLiteral {
    /// The shortest decimal that reads back as the same float32 (Swift's
    /// description: `0.1`, `1e-07`); `float("inf")`, `float("-inf")` and
    /// `float("nan")` where Python has no literal.
    var py: String {
        if isNaN { return "float(\"nan\")" }
        if isInfinite { return self < 0 ? "float(\"-inf\")" : "float(\"inf\")" }
        return "\(self)"
    }
}

extension Int: PythonLiteral {
    var py: String { String(self) }
}

extension Bool: PythonLiteral {
    var py: String { self ? "True" : "False" }
}

extension String: PythonLiteral {
    /// A double-quoted string; backslashes, quotes and control characters escaped.
    var py: String {
        var s = "\""
        for u in unicodeScalars {
            switch u {
            case "\\": s += "\\\\"
            case "\"": s += "\\\""
            case "\n": s += "\\n"
            case "\r": s += "\\r"
            case "\t": s += "\\t"
            case _ where u.value < 0x20 || u.value == 0x7F: s += String(format: "\\x%02x", u.value)
            default: s.unicodeScalars.append(u)
            }
        }
        return s + "\""
    }
}

extension Optional: PythonLiteral where Wrapped: PythonLiteral {
    /// `None` for nil.
    var py: String { map(\.py) ?? "None" }
}

extension Array: PythonLiteral where Element: PythonLiteral {
    /// A Python list.
    var py: String { "[" + map(\.py).joined(separator: ", ") + "]" }
}
