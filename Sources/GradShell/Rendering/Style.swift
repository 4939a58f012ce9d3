/// Colour where it helps (green/red verdicts), only on a terminal and never
/// when `NO_COLOR` is set; transcripts always record plain text.
public enum Style {
    public enum Color: String { case green = "32", red = "31", yellow = "33", bold = "1", dim = "2", boldRed = "1;31" }

    public static func paint(_ s: String, _ c: Color, enabled: Bool) -> String {
        enabled ? "\u{1B}[\(c.rawValue)m\(s)\u{1B}[0m" : s
    }

    /// `✓ …` in green on a colour terminal.
    public static func pass(_ s: String, enabled: Bool) -> String { paint(s, .green, enabled: enabled) }

    /// `✗ …` in red on a colour terminal.
    public static func fail(_ s: String, enabled: Bool) -> String { paint(s, .red, enabled: enabled) }

    /// The `error:` that starts an error message, in bold red on a colour terminal.
    public static func errorLabel(enabled: Bool) -> String { paint("error:", .boldRed, enabled: enabled) }

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
