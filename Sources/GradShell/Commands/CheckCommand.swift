/// `check`: names the open exercise, checks its `require` lines, then
/// evaluates its goals against the session. A sealed goal shows pass or
/// fail, the measured value and, on a failure, its hint — never its target.
///
/// An `mc_accuracy` goal is judged on the number the learner saw: the last
/// `evaluate test mc` when it measured the model as it is now (same weights,
/// layers and test data); otherwise it is measured afresh (30 passes) and
/// the line says so, since fresh random passes give another number.
struct CheckCommand: Command {
    static let spec = CommandSpec(name: "check", summary: "check the open exercise's requirements and goals", usage: "check",
                                  discussion: "The exercise is complete when every `require` line holds and every goal is met. An mc_accuracy goal uses the last `evaluate test mc` when the model has not changed since; otherwise it runs 30 MC Dropout passes on the test split, and says which it did.",
                                  examples: ["check"], category: "notebook")
    init(_ args: inout Arguments, session: Session) throws {}
    init() {}

    /// One requirement or goal, evaluated.
    struct Row {
        enum State { case met, notMet, unmeasurable }
        var isGoal: Bool
        var shown: String
        var state: State
        /// The measured value or why it could not be measured.
        var detail: String
        var hint: String?
        /// Where an mc_accuracy value came from.
        var source: String?
    }

    /// The exercise's requirements, then its goals, evaluated against the session now.
    static func evaluate(_ ex: Exercise, _ session: Session) -> [Row] {
        var rows: [Row] = []
        for r in ex.requirements {
            do {
                let cmd = try ExerciseCommand.requirement(r, session)
                let problem = cmd.problem(session)
                rows.append(Row(isGoal: false, shown: r, state: problem == nil ? .met : .notMet, detail: problem ?? ""))
            } catch let err as ShellError {
                rows.append(Row(isGoal: false, shown: r, state: .unmeasurable, detail: err.message))
            } catch { rows.append(Row(isGoal: false, shown: r, state: .unmeasurable, detail: "\(error)")) }
        }
        for i in ex.expectations.indices {
            var raw = String(ex.expectations[i].dropFirst(7))
            if let r = raw.range(of: " " + SealedGoal.prefix) { raw = raw[..<r.lowerBound] + " vs a sealed target" }
            var row = Row(isGoal: true, shown: raw, state: .unmeasurable, detail: "")
            do {
                let cmd = try ExerciseCommand.expectation(ex, i, session)
                row.shown = cmd.shown()
                let ok: Bool, detail: String, hint: String?
                if let g = cmd.goal, g.quantity == "mc_accuracy", let last = CheckCommand.reusableMonteCarlo(session) {
                    ok = g.holds(last.accuracy)
                    detail = "got \(String(format: "%.6g", last.accuracy))"
                    hint = g.hint
                    row.source = "from the last `evaluate test mc` (\(plural(last.passes, "pass", "passes"))" + (last.passes < last.requested ? ", interrupted)" : ")")
                } else {
                    (ok, detail, hint) = try cmd.evaluate(session)
                    if cmd.goal?.quantity == "mc_accuracy" {
                        row.source = "measured now: 30 MC Dropout passes on the test split\n        (\(CheckCommand.whyNotReused(session)))"
                    }
                }
                row.state = ok ? .met : .notMet
                row.detail = detail
                row.hint = hint
            } catch let err as ShellError {
                row.detail = err.message
            } catch { row.detail = "\(error)" }
            rows.append(row)
        }
        return rows
    }

    func run(_ session: Session) throws -> String {
        guard let ex = session.exercise else { throw ShellError("no exercise is open; `exercise open N` first (`exercise list` shows them)") }
        var lines = ["exercise: \(ex.displayName) (\(ex.name))"]
        let rows = CheckCommand.evaluate(ex, session)
        for r in rows {
            let ok = r.state == .met
            let mark = ok ? Style.pass("✓ pass", enabled: session.useColor) : Style.fail("✗ fail", enabled: session.useColor)
            if r.isGoal {
                lines.append("\(mark)  \(r.shown)  (\(r.detail))" + (!ok && r.hint != nil ? " — hint: \(r.hint!)" : ""))
                if let s = r.source { lines.append("        " + s) }
            } else {
                lines.append("\(mark)  \(r.shown)" + (ok ? "" : " — \(r.detail)"))
            }
        }
        let goals = rows.filter(\.isGoal), passed = goals.filter { $0.state == .met }.count
        let unmet = rows.filter { !$0.isGoal && $0.state != .met }.count
        var summary = "\(passed)/\(goals.count) goals met"
        if unmet > 0 {
            summary += unmet == 1 ? " — but a requirement is not met, so the exercise is not complete"
                : " — but \(unmet) requirements are not met, so the exercise is not complete"
        } else if passed == goals.count {
            summary += " — exercise complete!"
        }
        lines.append(summary)
        return lines.joined(separator: "\n")
    }

    /// The last MC evaluation, when it measured the test split of the model as it is now.
    static func reusableMonteCarlo(_ session: Session) -> MonteCarloEvaluation? {
        guard let last = session.lastMonteCarloEvaluation, let m = session.model, let t = session.data?.test,
              last.applies(to: m, split: "test", t) else { return nil }
        return last
    }

    /// Why the last `evaluate … mc` could not stand in for `mc_accuracy`.
    static func whyNotReused(_ session: Session) -> String {
        guard let last = session.lastMonteCarloEvaluation else { return "no `evaluate test mc` yet" }
        if last.split != "test" { return "the last `evaluate … mc` was on \(last.split)" }
        return "the model changed since `evaluate test mc`"
    }
}
