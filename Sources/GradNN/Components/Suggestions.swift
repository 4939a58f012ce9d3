/// "Did you mean …" by edit distance, as swift-argument-parser suggests.
public enum Suggestions {
    /// Levenshtein distance between two strings.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count), cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    /// The closest candidates to `word` (distance ≤ a third of its length, at least 2), best first.
    public static func closest(to word: String, in candidates: [String]) -> [String] {
        let w = word.lowercased()
        let limit = max(2, w.count / 3)
        let scored = candidates.map { ($0, distance(w, $0.lowercased())) }
            .filter { $0.1 <= limit || $0.0.hasPrefix(w) && w.count >= 3 }
            .sorted { $0.1 < $1.1 }
        return Array(scored.prefix(3).map(\.0))
    }

    /// "; did you mean 'fit'?" or "; accepted: a, b, c".
    public static func hint(for word: String, in candidates: [String]) -> String {
        let c = closest(to: word, in: candidates)
        if let best = c.first { return "; did you mean '\(best)'?" }
        if candidates.count <= 12 { return "; accepted: " + candidates.joined(separator: ", ") }
        return ""
    }
}
