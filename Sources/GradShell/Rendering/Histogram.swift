/// A horizontal histogram with block characters.
public enum Histogram {
    public static func render(_ values: [Double], bins: Int, width: Int) -> [String] {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return ["(no finite values)"] }
        if lo == hi { return [finite.count == 1 ? String(format: "one value: %.4g", lo) : String(format: "all %d values are %.4g", finite.count, lo)] }
        var counts = [Int](repeating: 0, count: bins)
        for v in finite { counts[min(bins - 1, Int((v - lo) / (hi - lo) * Double(bins)))] += 1 }
        let peak = counts.max() ?? 1
        return counts.enumerated().map { i, c in
            let a = lo + (hi - lo) * Double(i) / Double(bins)
            let len = Double(c) / Double(peak) * Double(width)
            let full = Int(len)
            let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][Int((len - Double(full)) * 8)]
            return String(format: "%+10.4f │", a) + String(repeating: "█", count: full) + eighths + " \(c)"
        }
    }
}
