/// Draws a grayscale image with Unicode shading, two pixel rows per text row
/// so the aspect ratio looks right.
public enum ImageRenderer {
    static let ramp: [Character] = [" ", "·", "░", "▒", "▓", "█"]

    /// Lines of text for a `width`×`height` image whose pixels (0…1) come from `pixel`.
    public static func render(width: Int, height: Int, pixel: (Int, Int) -> Float) -> [String] {
        var lines: [String] = ["┌" + String(repeating: "─", count: width) + "┐"]
        var r = 0
        while r < height {
            var s = "│"
            for c in 0..<width {
                let a = pixel(r, c), b = r + 1 < height ? pixel(r + 1, c) : a
                let v = max(0, min(1, (a + b) / 2))
                s.append(ramp[min(ramp.count - 1, Int(v * Float(ramp.count - 1) + 0.5))])
            }
            lines.append(s + "│")
            r += 2
        }
        lines.append("└" + String(repeating: "─", count: width) + "┘")
        return lines
    }
}
