/// Colour where it helps (green/red verdicts), only on a terminal and never
/// when `NO_COLOR` is set; transcripts always record plain text.
public enum Style {
    public enum Color: String { case green = "32", red = "31", yellow = "33", bold = "1", dim = "2" }

    public static func paint(_ s: String, _ c: Color, enabled: Bool) -> String {
        enabled ? "\u{1B}[\(c.rawValue)m\(s)\u{1B}[0m" : s
    }

    /// Removes ANSI escape sequences.
    public static func plain(_ s: String) -> String {
        guard s.contains("\u{1B}") else { return s }
        var out = ""
        var inEscape = false
        for ch in s {
            if inEscape { if ch.isLetter { inEscape = false }; continue }
            if ch == "\u{1B}" { inEscape = true; continue }
            out.append(ch)
        }
        return out
    }
}
