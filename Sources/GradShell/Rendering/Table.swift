/// Plain-text tables: a header row, a rule, aligned columns.
public enum Table {
    /// Renders rows (the first is the header); columns in `rightAligned` are right-aligned.
    public static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
        guard let header = rows.first else { return [] }
        let cols = header.count
        var widths = [Int](repeating: 0, count: cols)
        for r in rows { for (i, c) in r.enumerated() where i < cols { widths[i] = max(widths[i], c.count) } }
        func line(_ r: [String]) -> String {
            var parts: [String] = []
            for i in 0..<cols {
                let c = i < r.count ? r[i] : ""
                let pad = String(repeating: " ", count: widths[i] - c.count)
                parts.append(rightAligned.contains(i) ? pad + c : c + pad)
            }
            return String(parts.joined(separator: "  ").reversed().drop(while: { $0 == " " }).reversed())
        }
        var out = [line(header), String(repeating: "─", count: widths.reduce(0, +) + 2 * (cols - 1))]
        for r in rows.dropFirst() { out.append(line(r)) }
        return out
    }
}
