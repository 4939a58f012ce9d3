/// `check`: evaluates the open exercise's goals against the session. A
/// sealed goal shows pass or fail, the measured value and, on a failure,
/// its hint — never its target.
///
/// An `mc_accuracy` goal is judged on the number the learner saw: the last
/// `evaluate test mc` when it measured the model as it is now (same weights,
/// layers and test data); otherwise it is measured afresh (30 passes) and
/// the line says so, since fresh random passes give another number.
struct CheckCommand: Command {
    static let spec = CommandSpec(name: "check", summary: "check the open exercise's goals", usage: "check",
                                  discussion: "An mc_accuracy goal uses the last `evaluate test mc` when the model has not changed since; otherwise it runs 30 MC Dropout passes on the test split, and says which it did.",
                                  examples: ["check"], category: "notebook")
    init(_ args: inout Arguments, session: Session) throws {}
    func run(_ session: Session) throws -> String {
        guard let ex = session.exercise else { throw ShellError("no exercise is open; `exercise open PATH` first") }
        var lines: [String] = []
        var passed = 0
        for e in ex.expectations {
            var shown = String(e.dropFirst(7))
            do {
                let cmd = try ExerciseCommand.expectation(e, session)
                shown = cmd.shown()
                let ok: Bool, detail: String, hint: String?, source: String?
                if let g = cmd.goal, g.quantity == "mc_accuracy", let last = CheckCommand.reusableMonteCarlo(session) {
                    ok = g.holds(last.accuracy)
                    detail = "got \(String(format: "%.6g", last.accuracy))"
                    hint = g.hint
                    source = "from the last `evaluate test mc` (\(plural(last.passes, "pass", "passes"))" + (last.passes < last.requested ? ", interrupted)" : ")")
                } else {
                    (ok, detail, hint) = try cmd.evaluate(session)
                    source = cmd.goal?.quantity == "mc_accuracy" ? "measured now: 30 MC Dropout passes on the test split\n        (\(CheckCommand.whyNotReused(session)))" : nil
                }
                if ok { passed += 1 }
                lines.append("\(ok ? Style.pass("✓ pass", enabled: session.useColor) : Style.fail("✗ fail", enabled: session.useColor))  \(shown)  (\(detail))" + (!ok && hint != nil ? " — hint: \(hint!)" : ""))
                if let source { lines.append("        " + source) }
            } catch let err as ShellError {
                lines.append(Style.fail("✗ fail", enabled: session.useColor) + "  \(shown)  (\(err.message))")
            }
        }
        lines.append("\(passed)/\(ex.expectations.count) goals met" + (passed == ex.expectations.count ? " — exercise complete!" : ""))
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
