import Foundation

/// The class's grades as a CSV (one row per hand-in, for a spreadsheet) and
/// a Markdown summary (for the teacher to read or post).
public enum GradeReport {
    /// The goal names for the header: the first graded row's, else numbered.
    static func goalNames(_ results: [Grader.Result], count: Int) -> [String] {
        if let r = results.first(where: { $0.goals.count == count && $0.error == nil }) { return r.goals.map(\.goal) }
        return (0..<count).map { "goal \($0 + 1)" }
    }

    public static func csv(_ results: [Grader.Result], goalCount: Int) -> String {
        let names = goalNames(results, count: goalCount)
        var rows = [
            ["file", "reproduces", "goals_met", "goals_total"] + names.map { "value: " + $0 } + ["flags", "seconds"]
        ]
        for r in results {
            var row = [
                r.file, r.error != nil ? "" : (r.reproduces ? "yes" : "no"), r.error != nil ? "" : String(r.goalsMet),
                String(goalCount),
            ]
            row += (0..<goalCount).map { i in i < r.goals.count ? r.goals[i].value : "" }
            row.append(((r.error.map { ["not graded: " + $0] } ?? []) + r.flags).joined(separator: "; "))
            row.append(String(format: "%.1f", r.seconds))
            rows.append(row)
        }
        return rows.map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public static func markdown(_ results: [Grader.Result], exercise: String, goalCount: Int) -> String {
        let names = goalNames(results, count: goalCount)
        let graded = results.filter { $0.error == nil }
        let complete = graded.filter { $0.goalsMet == goalCount && $0.reproduces && $0.flags.isEmpty }
        let flagged = results.filter { !$0.flags.isEmpty || $0.error != nil }
        var out = ["# Grades: \((exercise as NSString).lastPathComponent)", ""]
        out.append(
            "\(plural(results.count, "hand-in")): \(complete.count) complete and clean, "
                + "\(flagged.count) flagged, \(results.count - graded.count) not graded.")
        out.append("Goals: " + names.enumerated().map { "\($0.offset + 1). `\($0.element)`" }.joined(separator: "  "))
        out.append("")
        out.append(
            "| hand-in | reproduces | goals | " + names.indices.map { "g\($0 + 1)" }.joined(separator: " | ")
                + " | flags |")
        out.append("|---|---|---|" + String(repeating: "---|", count: names.count) + "---|")
        for r in results {
            let cells = (0..<goalCount).map { i -> String in
                guard i < r.goals.count else { return "" }
                return (r.goals[i].met ? "✓ " : "✗ ") + r.goals[i].value
            }
            let flags = ((r.error.map { ["**not graded:** " + $0] } ?? []) + r.flags).joined(separator: "; ")
            let name = (r.file as NSString).lastPathComponent
            out.append(
                "| \(escape(name)) | \(r.error != nil ? "—" : (r.reproduces ? "yes" : "**no**")) | "
                    + "\(r.error != nil ? "—" : "\(r.goalsMet)/\(goalCount)") | "
                    + cells.map(escape).joined(separator: " | ")
                    + " | \(escape(flags)) |")
        }
        if !graded.isEmpty {
            out.append("")
            for (i, n) in names.enumerated() {
                let met = graded.filter { i < $0.goals.count && $0.goals[i].met }.count
                out.append("- `\(n)`: met by \(met) of \(graded.count)")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
