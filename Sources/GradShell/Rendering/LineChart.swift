import Foundation

/// A line chart drawn with text (one marker per series) and as SVG; series
/// may use a second y scale on the right (the book's `twinx()`, cell 88).
public struct LineChart {
    /// Which y scale a series is drawn against.
    public enum Axis: Sendable { case left, right }

    /// One curve: its legend name, values, text marker and scale; `dashed`
    /// draws its SVG line dashed (validation curves, as in the book's cell 64),
    /// and series that share a `color` share their SVG colour (one per run).
    public struct Series {
        public var name: String
        public var values: [Double]
        public var marker: Character
        public var axis: Axis
        public var dashed: Bool
        public var color: Int?

        public init(
            name: String, values: [Double], marker: Character, axis: Axis = .left, dashed: Bool = false,
            color: Int? = nil
        ) {
            self.name = name
            self.values = values
            self.marker = marker
            self.axis = axis
            self.dashed = dashed
            self.color = color
        }
    }

    public var title: String
    public var series: [Series]
    public var xLabel: String
    public var logY = false
    /// The x values of the first and last point, when x is not the point's
    /// number (`plot activation` draws f over [−5, 5]).
    public var xRange: (Double, Double)? = nil
    /// What each y scale measures, written along the SVG's axes when there are two.
    public var axisTitles: (left: String, right: String)? = nil
    /// The left y axis's bottom and top, when not the data's: points outside
    /// sit on the edge (`lr_find smooth=false` clips as the book's plot does).
    public var yRange: (Double, Double)? = nil

    public init(title: String, xLabel: String, series: [Series], logY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.series = series
        self.logY = logY
    }

    func y(_ v: Double) -> Double { logY ? log10(max(v, 1e-12)) : v }

    /// Whether some series is drawn against the right-hand scale.
    public var hasRightAxis: Bool { series.contains { $0.axis == .right } }

    /// The number of points of the longest series.
    var pointCount: Int { series.map(\.values.count).max() ?? 0 }

    /// The y range of the series on `axis` (all series when there is one scale).
    func bounds(_ axis: Axis = .left) -> (lo: Double, hi: Double) {
        if axis == .left, let (lo, hi) = yRange, hi > lo, !logY { return (lo, hi) }
        let all = series.filter { !hasRightAxis || $0.axis == axis }.flatMap(\.values).filter(\.isFinite).map(y)
        let lo = all.min() ?? 0
        let hi = all.max() ?? 1
        // A flat series (one epoch, a constant rate) gets a small band around its value, not [v, v + 1].
        let pad = max(abs(lo) * 0.1, 1e-12)
        return hi == lo ? (lo - pad, hi + pad) : (lo, hi)
    }

    /// A legend entry's text: the scale is named when there are two.
    func legendName(_ s: Series) -> String {
        guard hasRightAxis else { return s.name }
        return s.name + (s.axis == .left ? " (left scale)" : " (right scale)")
    }

    /// Text lines, `width` columns wide.
    public func render(width: Int, height: Int = 12) -> [String] {
        let n = pointCount
        guard n > 0 else { return ["(nothing to plot yet)"] }
        let twin = hasRightAxis
        let scales: [Axis: (lo: Double, hi: Double)] = [.left: bounds(.left), .right: bounds(.right)]
        let plotW = max(10, width - 12 - (twin ? 11 : 0))
        var grid = [[Character]](repeating: [Character](repeating: " ", count: plotW), count: height)
        func cell(_ i: Double, _ v: Double, _ axis: Axis) -> (Int, Int) {
            let (lo, hi) = scales[axis]!
            let col = n == 1 ? 0 : Int((i / Double(n - 1) * Double(plotW - 1)).rounded())
            let row = height - 1 - Int(((y(v) - lo) / (hi - lo) * Double(height - 1)).rounded())
            return (max(0, min(height - 1, row)), max(0, min(plotW - 1, col)))
        }
        for s in series {
            // Dots along each segment first, then the markers on top.
            for i in 0..<max(0, s.values.count - 1) where s.values[i].isFinite && s.values[i + 1].isFinite {
                let (_, c0) = cell(Double(i), s.values[i], s.axis)
                let (_, c1) = cell(Double(i + 1), s.values[i + 1], s.axis)
                guard c1 > c0 + 1 else { continue }
                for c in (c0 + 1)..<c1 {
                    let t = Double(c - c0) / Double(c1 - c0)
                    let v = s.values[i] + (s.values[i + 1] - s.values[i]) * t
                    let (r, _) = cell(
                        Double(i) + t, logY ? pow(10, y(s.values[i]) + (y(s.values[i + 1]) - y(s.values[i])) * t) : v,
                        s.axis)
                    if grid[r][c] == " " { grid[r][c] = "·" }
                }
            }
        }
        for s in series {
            for (i, v) in s.values.enumerated() where v.isFinite {
                let (r, c) = cell(Double(i), v, s.axis)
                grid[r][c] = s.marker
            }
        }
        func label(_ r: Int, _ axis: Axis) -> String? {
            guard r == 0 || r == height - 1 || r == height / 2 else { return nil }
            let (lo, hi) = scales[axis]!
            let v = hi - (hi - lo) * Double(r) / Double(height - 1)
            return String(format: "%.4g", logY ? pow(10, v) : v)
        }
        var lines = [title]
        for (r, row) in grid.enumerated() {
            let left =
                label(r, .left).map { String(repeating: " ", count: max(0, 9 - $0.count)) + $0 }
                ?? String(repeating: " ", count: 9)
            var line = left + " ┤" + String(row)
            if twin { line += "├" + (label(r, .right).map { " " + $0 } ?? "") }
            lines.append(line)
        }
        lines.append(String(repeating: " ", count: 10) + "└" + String(repeating: "─", count: plotW) + (twin ? "┘" : ""))
        let left = xRange.map { String(format: "%g", $0.0) } ?? "1"
        let right = xRange.map { String(format: "%g", $0.1) } ?? "\(n)"
        lines.append(
            String(repeating: " ", count: 11) + left
                + String(repeating: " ", count: max(1, plotW - left.count - right.count)) + right + "  " + xLabel)
        // The legend, wrapped to the width: one entry never splits.
        var legend = String(repeating: " ", count: 11)
        var entries = 0
        for s in series {
            let entry = "\(s.marker) \(legendName(s))"
            if entries > 0 && legend.count + 3 + entry.count > width {
                lines.append(legend)
                legend = String(repeating: " ", count: 11)
                entries = 0
            }
            legend += (entries > 0 ? "   " : "") + entry
            entries += 1
        }
        lines.append(legend)
        return lines
    }

    static let colors = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }

    /// A standalone SVG document.
    public func svg(width: Int = 640, height: Int = 400) -> String {
        LineChart.svgDocument([self], width: width, height: height)
    }

    /// Several charts stacked in one SVG document, each `height` tall.
    public static func svgDocument(_ charts: [LineChart], width: Int = 640, height: Int = 400) -> String {
        let total = height * charts.count
        var out =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(total)\" viewBox=\"0 0 \(width) \(total)\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (i, c) in charts.enumerated() { out += c.svgPanel(width: width, height: height, top: Double(i * height)) }
        return out + "</svg>\n"
    }

    /// One chart's elements, drawn `top` pixels down the document. Lines
    /// differ by colour, by dash (validation) and by the same marker glyphs as
    /// the text chart, so they stay apart in print and for colour-blind readers.
    func svgPanel(width: Int, height: Int, top: Double) -> String {
        let n = pointCount
        let twin = hasRightAxis
        let scales: [Axis: (lo: Double, hi: Double)] = [.left: bounds(.left), .right: bounds(.right)]
        let l = 60.0
        let r = twin ? 60.0 : 20.0
        let t = top + 40.0
        let b = 50.0
        let w = Double(width) - l - r
        let h = Double(height) - 40 - b
        let esc = LineChart.esc
        let font = "font-family=\"sans-serif\""
        var out =
            "<text x=\"\(width / 2)\" y=\"\(top + 24)\" text-anchor=\"middle\" \(font) font-size=\"16\">\(esc(title))</text>\n"
        out +=
            "<line x1=\"\(l)\" y1=\"\(t + h)\" x2=\"\(l + w)\" y2=\"\(t + h)\" stroke=\"black\"/>\n<line x1=\"\(l)\" y1=\"\(t)\" x2=\"\(l)\" y2=\"\(t + h)\" stroke=\"black\"/>\n"
        if twin { out += "<line x1=\"\(l + w)\" y1=\"\(t)\" x2=\"\(l + w)\" y2=\"\(t + h)\" stroke=\"black\"/>\n" }
        if twin, let titles = axisTitles {
            for (x, text) in [(14.0, titles.left), (Double(width) - 8, titles.right)] {
                let y = t + h / 2
                out +=
                    "<text x=\"\(x)\" y=\"\(y)\" transform=\"rotate(-90 \(x) \(y))\" text-anchor=\"middle\" \(font) "
                    + "font-size=\"12\">\(esc(text))</text>\n"
            }
        }
        for axis in twin ? [Axis.left, .right] : [.left] {
            let (lo, hi) = scales[axis]!
            for k in 0...4 {
                let v = lo + (hi - lo) * Double(k) / 4
                let yy = t + h - h * Double(k) / 4
                let (x, anchor) = axis == .left ? (l - 6, "end") : (l + w + 6, "start")
                out +=
                    "<text x=\"\(x)\" y=\"\(String(format: "%.1f", yy + 4))\" text-anchor=\"\(anchor)\" \(font) font-size=\"11\">\(String(format: "%.4g", logY ? pow(10, v) : v))</text>\n"
            }
        }
        let left = xRange.map { String(format: "%g", $0.0) } ?? "1"
        let right = xRange.map { String(format: "%g", $0.1) } ?? "\(n)"
        out += "<text x=\"\(l)\" y=\"\(t + h + 16)\" text-anchor=\"middle\" \(font) font-size=\"11\">\(left)</text>\n"
        out +=
            "<text x=\"\(l + w)\" y=\"\(t + h + 16)\" text-anchor=\"middle\" \(font) font-size=\"11\">\(right)</text>\n"
        out +=
            "<text x=\"\(l + w / 2)\" y=\"\(top + Double(height) - 12)\" text-anchor=\"middle\" \(font) font-size=\"12\">\(esc(xLabel))</text>\n"
        // A glyph on every point up to 25 points, then on every k-th.
        let every = max(1, (n + 24) / 25)
        let rowsPerColumn = max(1, Int(h / 16) - 1)
        let columns = (series.count + rowsPerColumn - 1) / rowsPerColumn
        // About 7 px a character at 12 px sans-serif, after the 30 px sample.
        let columnWidth = 36 + 7 * Double(series.map { legendName($0).count }.max() ?? 0)
        // The legend goes last, on a white card, so no curve hides it.
        var legend =
            "<rect x=\"\(l + 4)\" y=\"\(t + 2)\" width=\"\(columnWidth * Double(columns))\" height=\"\(16 * min(series.count, rowsPerColumn) + 4)\" fill=\"white\" fill-opacity=\"0.85\"/>\n"
        for (si, s) in series.enumerated() {
            let (lo, hi) = scales[twin ? s.axis : .left]!
            let c = LineChart.colors[(s.color ?? si) % LineChart.colors.count]
            let dash = s.dashed ? " stroke-dasharray=\"6,4\"" : ""
            let pts = s.values.enumerated().filter { $0.element.isFinite }.map { i, v -> (Int, Double, Double) in
                (i, l + (n <= 1 ? 0 : w * Double(i) / Double(n - 1)), t + h - h * min(1, max(0, (y(v) - lo) / (hi - lo))))
            }
            out +=
                "<polyline fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\"\(dash) points=\"\(pts.map { String(format: "%.2f,%.2f", $0.1, $0.2) }.joined(separator: " "))\"/>\n"
            for (i, x, yy) in pts where i % every == 0 || i == n - 1 {
                out +=
                    "<text x=\"\(String(format: "%.2f", x))\" y=\"\(String(format: "%.2f", yy + 4))\" text-anchor=\"middle\" fill=\"\(c)\" \(font) font-size=\"11\">\(esc(String(s.marker)))</text>\n"
            }
            // The legend: a short line in the series' dash and colour, its glyph, its name; in columns when long.
            let lx = l + 10 + columnWidth * Double(si / rowsPerColumn)
            let ly = t + 14 + 16 * Double(si % rowsPerColumn)
            legend +=
                "<line x1=\"\(lx)\" y1=\"\(ly - 4)\" x2=\"\(lx + 24)\" y2=\"\(ly - 4)\" stroke=\"\(c)\" stroke-width=\"2\"\(dash)/>\n"
            legend +=
                "<text x=\"\(lx + 12)\" y=\"\(ly)\" text-anchor=\"middle\" fill=\"\(c)\" \(font) font-size=\"11\">\(esc(String(s.marker)))</text>\n"
            legend +=
                "<text x=\"\(lx + 30)\" y=\"\(ly)\" fill=\"\(c)\" \(font) font-size=\"12\">\(esc(legendName(s)))</text>\n"
        }
        return out + legend
    }
}
