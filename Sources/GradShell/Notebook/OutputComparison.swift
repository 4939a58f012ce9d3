import Foundation

/// Compares a recorded output with a new one: volatile parts (timings, ETAs)
/// are masked, numbers compare within a tolerance, everything else exactly.
public enum OutputComparison {
    enum Token: Equatable { case text(String), number(Double, String) }

    /// Masks what changes from run to run on its own.
    public static func mask(_ s: String) -> String {
        var t = s
        let patterns = [
            #"ETA \d+s"#, #"\b\d+s \d+(\.\d+)?(s|ms|us)/step"#, #"\b\d+(\.\d+)?(ms|us|s) per (step|pass)"#,
            #"in \d+(\.\d+)?\s?(s|ms)\b"#, #"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?"#, #"time \d+(\.\d+)?s"#,
        ]
        for p in patterns { t = t.replacingOccurrences(of: p, with: "…", options: .regularExpression) }
        return t
    }

    /// Lines as a terminal of any width would show them: an epoch line wraps its
    /// metrics onto indented `- name: value` lines when the window is narrow, and
    /// its bar is shorter; both are undone here, so a transcript typed in a wide
    /// terminal compares equal with its replay at 80 columns.
    static func unwrapped(_ lines: [String]) -> [String] {
        var out: [String] = []
        for l in lines {
            if let last = out.last, l.hasPrefix(" "), l.trimmingCharacters(in: .whitespaces).hasPrefix("- "),
               last.contains("/step") || last.contains(" - ") {
                out[out.count - 1] = last + " " + l.trimmingCharacters(in: .whitespaces)
            } else {
                out.append(l.replacingOccurrences(of: #"[━─]+"#, with: "━", options: .regularExpression))
            }
        }
        return out
    }

    static func tokenize(_ s: String) -> [Token] {
        var out: [Token] = []
        var text = ""
        let chars = Array(s)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let startsNumber = c.isNumber || ((c == "-" || c == "+") && i + 1 < chars.count && chars[i + 1].isNumber && (i == 0 || !chars[i - 1].isLetter && !chars[i - 1].isNumber))
            if startsNumber && (i == 0 || !(chars[i - 1].isLetter || chars[i - 1] == "_")) {
                var j = i + 1
                while j < chars.count, chars[j].isNumber || chars[j] == "." || ((chars[j] == "e" || chars[j] == "E") && j + 1 < chars.count && (chars[j + 1].isNumber || chars[j + 1] == "-" || chars[j + 1] == "+")) || ((chars[j] == "-" || chars[j] == "+") && (chars[j - 1] == "e" || chars[j - 1] == "E")) { j += 1 }
                let lit = String(chars[i..<j])
                if let v = Double(lit) {
                    if !text.isEmpty { out.append(.text(text)); text = "" }
                    out.append(.number(v, lit))
                    i = j
                    continue
                }
            }
            text.append(c)
            i += 1
        }
        if !text.isEmpty { out.append(.text(text)) }
        return out
    }

    /// How many differing lines of one cell a report shows.
    public static let reportedLines = 8

    /// nil when equal within tolerance; otherwise every differing line (up to
    /// `reportedLines`, then a count of the rest).
    public static func difference(expected: String, got: String, relative: Double, absolute: Double) -> String? {
        let e = unwrapped(expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)).map(mask)
        let g = unwrapped(got.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)).map(mask)
        var found: [String] = []
        for i in 0..<max(e.count, g.count) {
            if let d = lineDifference(i, e, g, relative: relative, absolute: absolute) { found.append(d) }
        }
        guard !found.isEmpty else { return nil }
        var text = found.prefix(reportedLines).joined(separator: "\n  ")
        if found.count > reportedLines { text += "\n  … and \(found.count - reportedLines) more differing line\(found.count - reportedLines == 1 ? "" : "s")" }
        return text
    }

    /// Line `i` of the expected and got lines, compared; nil when equal within tolerance.
    static func lineDifference(_ i: Int, _ e: [String], _ g: [String], relative: Double, absolute: Double) -> String? {
        guard i < e.count else { return "line \(i + 1): unexpected extra output: \(g[i])" }
        guard i < g.count else { return "line \(i + 1): missing output, expected: \(e[i])" }
        let a = tokenize(e[i]), b = tokenize(g[i])
        guard a.count == b.count else { return "line \(i + 1):\n    expected: \(e[i])\n    got:      \(g[i])" }
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (.text(let s), .text(let t)) where s == t: continue
            // The same text is equal even when it reads as inf or nan (`40E6916` in a UUID).
            case (.number(_, let a), .number(_, let b)) where a == b: continue
            case (.number(let u, _), .number(let v, _)) where abs(u - v) <= absolute + relative * max(abs(u), abs(v)): continue
            default: return "line \(i + 1):\n    expected: \(e[i])\n    got:      \(g[i])"
            }
        }
        return nil
    }
}
