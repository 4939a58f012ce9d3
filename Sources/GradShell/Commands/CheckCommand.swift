/// `check`: evaluates the open exercise's goals against the session. A
/// sealed goal shows pass or fail, the measured value and, on a failure,
/// its hint — never its target.
struct CheckCommand: Command {
    static let spec = CommandSpec(name: "check", summary: "check the open exercise's goals", usage: "check",
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
                let (ok, detail, hint) = try cmd.evaluate(session)
                if ok { passed += 1 }
                lines.append("\(ok ? "✓ pass" : "✗ fail")  \(shown)  (\(detail))" + (!ok && hint != nil ? " — hint: \(hint!)" : ""))
            } catch let err as ShellError {
                lines.append("✗ fail  \(shown)  (\(err.message))")
            }
        }
        lines.append("\(passed)/\(ex.expectations.count) goals met" + (passed == ex.expectations.count ? " — exercise complete!" : ""))
        return lines.joined(separator: "\n")
    }
}
