import GradNN
/// Turns one line into a `ParsedLine`. The grammar:
///
///     line     := WORD arg* [# comment]
///     arg      := KEY '=' value | value | '--' WORD
///     value    := item (',' item)*
///     item     := WORD '(' [arg (',' arg)*] ')' | NUMBER | WORD | "string" | INT '..' INT
///
/// Spaces are allowed inside parentheses and after commas. No Python syntax.
public struct Parser {
    /// Longest line accepted; longer lines are refused before parsing.
    public static let maximumLineLength = 10_000

    private let chars: [Character]
    private var i = 0

    private init(_ line: String) { chars = Array(line) }

    /// Parses a line; nil for a blank or comment-only line.
    public static func parse(_ line: String) throws -> ParsedLine? {
        guard line.utf8.count <= maximumLineLength else {
            throw ShellError("line is \(line.utf8.count) bytes long; at most \(maximumLineLength) are accepted")
        }
        if line.contains(where: { $0.asciiValue.map { $0 < 32 && $0 != 9 } ?? false || $0 == "\u{7F}" || $0 == "\u{FFFD}" }) {
            throw ShellError("line contains control characters or invalid UTF-8; type plain text")
        }
        var p = Parser(stripComment(line))
        return try p.parseLine()
    }

    /// Removes a ` # comment` outside quotes.
    static func stripComment(_ line: String) -> String {
        var inQuote = false
        var out = ""
        var prev: Character = " "
        for c in line {
            if c == "\"" { inQuote.toggle() }
            if c == "#" && !inQuote && (prev == " " || prev == "\t") { break }
            out.append(c)
            prev = c
        }
        return String(out.reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }

    private var atEnd: Bool { i >= chars.count }
    private var peek: Character? { atEnd ? nil : chars[i] }

    private mutating func skipSpaces() { while let c = peek, c == " " || c == "\t" { i += 1 } }

    private static func isWordChar(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "_" || c == "-" || c == "." || c == "/" || c == "~" || c == "+" || c == ":" || c == "*" || c == "%"
    }

    private mutating func parseLine() throws -> ParsedLine? {
        skipSpaces()
        if atEnd { return nil }
        let start = i
        // Arithmetic typed at the prompt, as at Python's: `1 - (100 - 93.85) / (100 - 91.85)`.
        if let c = peek, c.isNumber || c == "(" || c == "." {
            return ParsedLine(command: "calc", commandSpan: start..<start, arguments: [], flags: [], source: String(chars))
        }
        guard let c = peek, c.isLetter || c == "?" else {
            throw ShellError("a command starts with a word, not '\(peek!)'; type `help` for the list", at: i..<(i + 1))
        }
        if c == "?" { i += 1 } else { while let c = peek, c.isLetter || c.isNumber || c == "_" || c == "-" { i += 1 } }
        let command = String(chars[start..<i]).lowercased()
        let cspan = start..<i
        if command == "calc" {
            return ParsedLine(command: command, commandSpan: cspan, arguments: [], flags: [], source: String(chars))
        }
        var args: [Argument] = []
        var flags: [(String, Range<Int>)] = []
        while true {
            skipSpaces()
            if atEnd { break }
            if peek == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                let s = i
                i += 2
                let ws = i
                while let c = peek, c.isLetter || c == "_" || c == "-" { i += 1 }
                guard i > ws else { throw ShellError("'--' must be followed by a flag name", at: s..<i) }
                flags.append((String(chars[ws..<i]), s..<i))
                continue
            }
            args.append(try parseArgument(topLevel: true))
            if let c = peek, c != " " && c != "\t" {
                if c == ")" { throw ShellError("unbalanced parentheses: ')' without '('", at: i..<(i + 1)) }
                throw ShellError("unexpected '\(c)'; separate arguments with spaces", at: i..<(i + 1))
            }
        }
        return ParsedLine(command: command, commandSpan: cspan, arguments: args, flags: flags,
                          source: String(chars))
    }

    private mutating func parseArgument(topLevel: Bool) throws -> Argument {
        let start = i
        // key=value?
        var j = i
        while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { j += 1 }
        if j > i, j < chars.count, chars[j] == "=", chars[i].isLetter {
            let key = String(chars[i..<j]).lowercased()
            i = j + 1
            if atEnd || peek == " " || peek == "," || peek == ")" {
                throw ShellError("\(key)= needs a value", at: start..<i)
            }
            var v = try parseValue(allowList: topLevel)
            if !topLevel {
                // Inside a call, a keyword's value may be a list: `boundaries=5,15, values=…`.
                var items = [v]
                while peek == ",", !nextIsKeywordOrEnd() {
                    i += 1
                    skipSpaces()
                    items.append(try parseItem())
                }
                if items.count > 1 { v = .list(items) }
            }
            return Argument(key: key, value: v, span: start..<i)
        }
        let v = try parseValue(allowList: topLevel)
        return Argument(key: nil, value: v, span: start..<i)
    }

    /// After a comma inside a call: does `key=` or `)` follow?
    private func nextIsKeywordOrEnd() -> Bool {
        var j = i + 1
        while j < chars.count, chars[j] == " " || chars[j] == "\t" { j += 1 }
        if j >= chars.count || chars[j] == ")" { return true }
        var k = j
        while k < chars.count, chars[k].isLetter || chars[k].isNumber || chars[k] == "_" { k += 1 }
        return k > j && k < chars.count && chars[k] == "=" && chars[j].isLetter
    }

    private mutating func parseValue(allowList: Bool) throws -> Value {
        var items = [try parseItem()]
        while allowList, peek == "," {
            i += 1
            skipSpaces()
            items.append(try parseItem())
        }
        return items.count == 1 ? items[0] : .list(items)
    }

    private mutating func parseItem() throws -> Value {
        let start = i
        guard let c = peek else { throw ShellError("a value is missing at the end of the line", at: i..<i) }
        if c == "\"" || c == "'" {
            let quote = c
            i += 1
            var s = ""
            while let d = peek, d != quote { s.append(d); i += 1 }
            guard peek == quote else { throw ShellError("unterminated string: add a closing \(quote)", at: start..<i) }
            i += 1
            return .string(s)
        }
        if c == "[" {
            // A list as Python writes it: `boundaries=[5, 15]`.
            i += 1
            var items: [Value] = []
            while true {
                skipSpaces()
                if peek == "]", items.isEmpty { i += 1; return .list(items) }
                guard !atEnd else { throw ShellError("unbalanced brackets: '[' is never closed", at: start..<i) }
                items.append(try parseItem())
                skipSpaces()
                if peek == "," { i += 1; continue }
                if peek == "]" { i += 1; return .list(items) }
                if atEnd { throw ShellError("unbalanced brackets: '[' is never closed", at: start..<i) }
                throw ShellError("expected ',' or ']' but found '\(peek!)'", at: i..<(i + 1))
            }
        }
        if "<>=!~".contains(c) {
            while let d = peek, "<>=!~".contains(d) { i += 1 }
            return .word(String(chars[start..<i]))
        }
        guard Parser.isWordChar(c) else {
            throw ShellError("unexpected '\(c)'", at: i..<(i + 1))
        }
        while let d = peek, Parser.isWordChar(d) { i += 1 }
        let text = String(chars[start..<i])
        if peek == "(" {
            i += 1
            var pos: [Argument] = [], kw: [Argument] = []
            skipSpaces()
            if peek == ")" { i += 1; return .call(text.lowercased(), positional: [], keywords: []) }
            while true {
                skipSpaces()
                guard !atEnd else { throw ShellError("unbalanced parentheses: '\(text)(' is never closed", at: start..<i) }
                let a = try parseArgument(topLevel: false)
                if a.key == nil { pos.append(a) } else { kw.append(a) }
                skipSpaces()
                if peek == "," { i += 1; continue }
                if peek == ")" { i += 1; break }
                if atEnd { throw ShellError("unbalanced parentheses: '\(text)(' is never closed", at: start..<i) }
                throw ShellError("expected ',' or ')' but found '\(peek!)'", at: i..<(i + 1))
            }
            return .call(text.lowercased(), positional: pos, keywords: kw)
        }
        if let r = text.range(of: ".."), let a = Int(text[..<r.lowerBound]), let b = Int(text[r.upperBound...]) {
            return .range(a, b)
        }
        if let d = Double(text), d.isFinite, !text.hasPrefix("+") {
            return .number(d, text)
        }
        // Python's digit grouping, 10_000: underscores between digits only.
        if let plain = ComponentCall.ungrouped(text), let d = Double(plain), d.isFinite {
            return .number(d, plain)
        }
        return .word(text)
    }
}
