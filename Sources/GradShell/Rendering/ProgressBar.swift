import Foundation

/// Keras' progress bar: `1719/1719 ━━━━━━━━━━━━━━━━━━━━ 4s 2ms/step - loss: 0.5360 - accuracy: 0.8121`,
/// laid out for the output's width at every draw.
///
/// A line that does not fit first gets a shorter bar (down to `minimumBarLength`);
/// past that, a final line wraps whole metrics onto continuation lines under the
/// bar, and a live line (redrawn in place with `\r`, so one row) leaves out the
/// metrics that do not fit. A number is never cut.
public struct ProgressBar {
    /// The width in columns, read at every draw: `ProgressBar(width: session.width)`
    /// follows a terminal that is resized while training runs.
    private let currentWidth: () -> Int
    public var width: Int { currentWidth() }
    public var barLength = 20
    public var minimumBarLength = 8

    public init(width: @autoclosure @escaping () -> Int) { currentWidth = width }

    public func line(
        step: Int, steps: Int, elapsed: Double, metrics: [(String, Double)],
        final: Bool = false
    ) -> String {
        let digits = String(steps).count
        let stepText = String(repeating: " ", count: max(0, digits - String(step).count)) + "\(step)/\(steps)"
        let timeText: String
        let perStep = elapsed / Double(max(step, 1))
        if final || step == steps {
            timeText = "\(Int(elapsed.rounded()))s \(ProgressBar.duration(perStep))/step"
        } else {
            let eta = perStep * Double(steps - step)
            timeText = "ETA \(Int(eta.rounded()))s"
        }
        // Keras' Progbar: 4 decimals, or 4 significant digits at or below 1e-3 (a learning rate).
        let parts = metrics.map { "\($0.0): \(String(format: abs($0.1) > 1e-3 ? "%.4f" : "%.4e", $0.1))" }
        // A live line stays off the last column, so "\r" always redraws its own row.
        let columns = max(20, final ? width : width - 1)
        func head(_ length: Int) -> String {
            let done = steps == 0 ? length : length * min(step, steps) / max(steps, 1)
            let bar = String(repeating: "━", count: done) + String(repeating: "─", count: length - done)
            return "\(stepText) \(bar) \(timeText)"
        }
        let tail = parts.map { " - " + $0 }.joined()
        let full = head(barLength).count + tail.count
        if full <= columns { return head(barLength) + tail }
        if full - (barLength - minimumBarLength) <= columns { return head(barLength - (full - columns)) + tail }
        // Too wide even with a short bar: keep the bar as long as the first metric allows, then whole metrics per row.
        let first = parts.first.map { " - " + $0 } ?? ""
        let length = max(minimumBarLength, min(barLength, barLength - (head(barLength).count + first.count - columns)))
        var rows = [head(length)]
        let indent = String(repeating: " ", count: stepText.count + 1)
        for p in parts {
            let piece = " - " + p
            if rows[rows.count - 1].count + piece.count <= columns {
                rows[rows.count - 1] += piece
            } else if final {
                rows.append(indent + "- " + p)
            } else {
                break
            }
        }
        return rows.joined(separator: "\n")
    }

    static func duration(_ s: Double) -> String {
        if s >= 1 { return "\(Int(s.rounded()))s" }
        if s >= 1e-3 { return "\(Int((s * 1e3).rounded()))ms" }
        return "\(Int((s * 1e6).rounded()))us"
    }

    /// What to write before redrawing a live line of `previousColumns` characters
    /// in a terminal now `width` wide. A terminal that got narrower reflows the
    /// old line onto several rows (tmux, VTE, iTerm2, kitty, Windows Terminal do),
    /// with the cursor on the last: go up to its first row, then clear to the end
    /// of the screen.
    public static func clearSequence(previousColumns: Int, width: Int) -> String {
        let rows = width > 0 && previousColumns > width ? (previousColumns + width - 1) / width : 1
        return (rows > 1 ? "\u{1B}[\(rows - 1)A" : "") + "\r\u{1B}[J"
    }
}
