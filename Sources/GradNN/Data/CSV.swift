import Foundation

/// Reads a numeric CSV file: one sample per row, one column holding the
/// target, an optional header row.
public enum CSV {
    public static let maximumBytes = 1 << 30

    /// Loads `path`; `label` is a column name (with a header) or a 0-based index
    /// (default: the last column).
    public static func load(path: String, label: String?) throws -> Dataset {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw DataError("no such file: \(path)")
        }
        if let size = attrs[.size] as? Int, size > maximumBytes { throw DataError("\(path) is larger than 1 GiB; refused") }
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError("cannot read \(path)") }
        guard let text = String(data: data, encoding: .utf8), !data.contains(0) else { throw DataError("\(path) is not UTF-8 text (or contains NUL bytes)") }
        return try parse(text, name: path, label: label)
    }

    public static func parse(_ text: String, name: String, label: String?) throws -> Dataset {
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).map(String.init)
        lines.removeAll { $0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let first = lines.first else { throw DataError("\(name) has no rows") }
        let firstFields = first.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let hasHeader = firstFields.contains { Float($0) == nil }
        let header = hasHeader ? firstFields : firstFields.indices.map { "\($0)" }
        if hasHeader { lines.removeFirst() }
        let width = header.count
        guard width >= 2 else { throw DataError("\(name) needs at least two columns (features and a label)") }
        let labelIndex: Int
        if let label {
            if let i = header.firstIndex(of: label) { labelIndex = i }
            else if let i = Int(label), (0..<width).contains(i) { labelIndex = i }
            else { throw DataError("label=\(label) is not a column of \(name); columns: \(header.joined(separator: ", "))") }
        } else {
            labelIndex = width - 1
        }
        guard !lines.isEmpty else { throw DataError("\(name) has a header but no rows") }
        var features: [Float] = []
        features.reserveCapacity(lines.count * (width - 1))
        var targets: [Float] = []
        for (n, line) in lines.enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == width else {
                throw DataError("\(name) line \(n + 1 + (hasHeader ? 1 : 0)) has \(fields.count) fields, expected \(width)")
            }
            for (j, f) in fields.enumerated() {
                guard let v = Float(f.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                    throw DataError("\(name) line \(n + 1 + (hasHeader ? 1 : 0)) column \(j + 1): '\(f)' is not a finite number")
                }
                if j == labelIndex { targets.append(v) } else { features.append(v) }
            }
        }
        let isClasses = targets.allSatisfy { $0 >= 0 && $0 == $0.rounded() && $0 < 100_000 }
        let classes = isClasses ? Int(targets.max() ?? 0) + 1 : 0
        let storage = SampleStorage(features: .floats(features), sampleShape: [width - 1], targets: targets)
        return Dataset(name: (name as NSString).lastPathComponent, train: DataSplit(storage: storage, range: 0..<storage.count),
                       classCount: classes)
    }
}
