import Foundation

/// A line chart drawn with text (one marker per series) and as SVG.
public struct LineChart {
    public struct Series { public var name: String; public var values: [Double]; public var marker: Character }
    public var title: String
    public var series: [Series]
    public var xLabel: String
    public var logY = false
    /// The x values of the first and last point, when x is not the point's
    /// number (`plot activation` draws f over [−5, 5]).
    public var xRange: (Double, Double)? = nil
    /// The y axis's bottom and top, when not the data's: points outside sit
    /// on the edge (`lr_find smooth=false` clips as the book's plot does).
    public var yRange: (Double, Double)? = nil

    public init(title: String, xLabel: String, series: [Series], logY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.series = series
        self.logY = logY
    }

    func y(_ v: Double) -> Double { logY ? log10(max(v, 1e-12)) : v }

    var bounds: (lo: Double, hi: Double, n: Int) {
        if let (lo, hi) = yRange, hi > lo, !logY { return (lo, hi, series.map(\.values.count).max() ?? 0) }
        let all = series.flatMap(\.values).filter(\.isFinite).map(y)
        let lo = all.min() ?? 0, hi = all.max() ?? 1
        // A flat series (one epoch, a constant rate) gets a small band around its value, not [v, v + 1].
        let pad = max(abs(lo) * 0.1, 1e-12)
        return hi == lo ? (lo - pad, hi + pad, series.map(\.values.count).max() ?? 0) : (lo, hi, series.map(\.values.count).max() ?? 0)
    }

    /// Text lines, `width` columns wide.
    public func render(width: Int, height: Int = 12) -> [String] {
        let (lo, hi, n) = bounds
        guard n > 0 else { return ["(nothing to plot yet)"] }
        let plotW = max(10, width - 12)
        var grid = [[Character]](repeating: [Character](repeating: " ", count: plotW), count: height)
        func cell(_ i: Double, _ v: Double) -> (Int, Int) {
            let col = n == 1 ? 0 : Int((i / Double(n - 1) * Double(plotW - 1)).rounded())
            let row = height - 1 - Int(((y(v) - lo) / (hi - lo) * Double(height - 1)).rounded())
            return (max(0, min(height - 1, row)), max(0, min(plotW - 1, col)))
        }
        for s in series {
            // Dots along each segment first, then the markers on top.
            for i in 0..<max(0, s.values.count - 1) where s.values[i].isFinite && s.values[i + 1].isFinite {
                let (_, c0) = cell(Double(i), s.values[i]), (_, c1) = cell(Double(i + 1), s.values[i + 1])
                guard c1 > c0 + 1 else { continue }
                for c in (c0 + 1)..<c1 {
                    let t = Double(c - c0) / Double(c1 - c0)
                    let v = s.values[i] + (s.values[i + 1] - s.values[i]) * t
                    let (r, _) = cell(Double(i) + t, logY ? pow(10, y(s.values[i]) + (y(s.values[i + 1]) - y(s.values[i])) * t) : v)
                    if grid[r][c] == " " { grid[r][c] = "·" }
                }
            }
        }
        for s in series {
            for (i, v) in s.values.enumerated() where v.isFinite {
                let (r, c) = cell(Double(i), v)
                grid[r][c] = s.marker
            }
        }
        var lines = [title]
        for (r, row) in grid.enumerated() {
            let v = hi - (hi - lo) * Double(r) / Double(height - 1)
            let label = r == 0 || r == height - 1 || r == height / 2 ? String(format: "%9.4g", logY ? pow(10, v) : v) : String(repeating: " ", count: 9)
            lines.append(label + " ┤" + String(row))
        }
        lines.append(String(repeating: " ", count: 10) + "└" + String(repeating: "─", count: plotW))
        let left = xRange.map { String(format: "%g", $0.0) } ?? "1", right = xRange.map { String(format: "%g", $0.1) } ?? "\(n)"
        lines.append(String(repeating: " ", count: 11) + left + String(repeating: " ", count: max(1, plotW - left.count - right.count)) + right + "  " + xLabel)
        lines.append(String(repeating: " ", count: 11) + series.map { "\($0.marker) \($0.name)" }.joined(separator: "   "))
        return lines
    }

    /// A standalone SVG document.
    public func svg(width: Int = 640, height: Int = 400) -> String {
        let (lo, hi, n) = bounds
        let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
        let l = 60.0, r = 20.0, t = 40.0, b = 50.0
        let w = Double(width) - l - r, h = Double(height) - t - b
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;") }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(width / 2)\" y=\"24\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"16\">\(esc(title))</text>\n"
        out += "<line x1=\"\(l)\" y1=\"\(t + h)\" x2=\"\(l + w)\" y2=\"\(t + h)\" stroke=\"black\"/>\n<line x1=\"\(l)\" y1=\"\(t)\" x2=\"\(l)\" y2=\"\(t + h)\" stroke=\"black\"/>\n"
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4
            let yy = t + h - h * Double(k) / 4
            out += "<text x=\"\(l - 6)\" y=\"\(String(format: "%.1f", yy + 4))\" text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"11\">\(String(format: "%.4g", logY ? pow(10, v) : v))</text>\n"
        }
        out += "<text x=\"\(l + w / 2)\" y=\"\(Double(height) - 12)\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"12\">\(esc(xLabel))</text>\n"
        for (si, s) in series.enumerated() {
            let pts = s.values.enumerated().filter { $0.element.isFinite }.map { i, v -> String in
                let x = l + (n <= 1 ? 0 : w * Double(i) / Double(n - 1))
                let yy = t + h - h * min(1, max(0, (y(v) - lo) / (hi - lo)))
                return String(format: "%.2f,%.2f", x, yy)
            }
            let c = colors[si % colors.count]
            out += "<polyline fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\" points=\"\(pts.joined(separator: " "))\"/>\n"
            out += "<text x=\"\(l + 10)\" y=\"\(t + 14 + 16 * Double(si))\" fill=\"\(c)\" font-family=\"sans-serif\" font-size=\"12\">\(esc(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }
}
