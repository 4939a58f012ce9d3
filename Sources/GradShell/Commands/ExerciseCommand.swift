import Foundation

/// `exercise open PATH` shows an exercise's task (then `check` evaluates its
/// goals); `exercise seal SOURCE OUT` writes a copy whose goals a student
/// cannot read.
struct ExerciseCommand: Command {
    static let spec = CommandSpec(
        name: "exercise", summary: "open a classroom exercise (then work, then `check`), or seal one's goals",
        usage: "exercise open PATH | exercise seal SOURCE.md OUT.md",
        discussion: "An exercise is a transcript whose `expect` lines are its goals. `seal` rewrites every `expect QUANTITY OP NUMBER [hint=…]` as `expect QUANTITY sealed:TOKEN`: a student running `check` sees pass or fail and, on a failure, the hint, but the file shows neither the target nor the hint. Keep SOURCE: it is the only readable copy of the targets.",
        positional: .words(["open", "seal"]),
        examples: ["exercise open tutorials/exercises/01-batchnorm.md",
                   "exercise seal tutorials/src/exercises/04-beat-the-instructor.md tutorials/exercises/04-beat-the-instructor.md"],
        category: "notebook")
    let action: String
    let path: String
    let output: String?

    init(_ args: inout Arguments, session: Session) throws {
        action = try args.choice("action", positional: true, from: ["open", "seal"], default: "open")!
        guard let p = try args.string("path", positional: true) else { throw ShellError("exercise \(action) needs a PATH") }
        path = p
        if action == "seal" {
            guard let o = try args.string("out", positional: true) else { throw ShellError("exercise seal needs SOURCE and OUT paths") }
            output = try session.writablePath(o, defaultExtension: "md")
            let a = URL(fileURLWithPath: p).standardizedFileURL.path, b = URL(fileURLWithPath: output!).standardizedFileURL.path
            guard a != b else { throw ShellError("refusing to seal \(p) in place: it is the only readable copy of the targets; give another OUT path") }
        } else {
            output = nil
        }
    }

    func run(_ session: Session) throws -> String {
        let t = try Transcript.load(session.readablePath(path))
        if action == "seal" { return try seal(t, session) }
        let ex = Exercise(t, path: path)
        guard !ex.expectations.isEmpty else { throw ShellError("\(path) has no `expect` lines, so it is not an exercise") }
        let goals = try ex.expectations.enumerated().map { (i, e) -> String in
            do { return try ExerciseCommand.expectation(e, session).shown() } catch let err as ShellError {
                throw ShellError("goal \(i + 1) of \(path) is broken: \(err.message)")
            }
        }
        session.exercise = ex
        return ex.task + "\n\nGoals (\(goals.count)):\n" + goals.map { "  • " + $0 }.joined(separator: "\n") +
            "\n\nWork in the shell, then type `check`."
    }

    /// Parses one `expect …` line of an exercise.
    static func expectation(_ line: String, _ session: Session) throws -> ExpectCommand {
        guard let parsed = try Parser.parse(line), parsed.command == "expect" else { throw ShellError("not an expect line: \(line)") }
        var args = try Arguments(parsed, keys: ExpectCommand.spec.keys.map(\.name))
        let cmd = try ExpectCommand(&args, session: session)
        try args.finish()
        return cmd
    }

    private func seal(_ t: Transcript, _ session: Session) throws -> String {
        var out = t
        var sealed = 0, kept: [String] = [], targets: [String] = []
        for (i, item) in t.items.enumerated() {
            guard case .cell(var e) = item, e.command.hasPrefix("expect ") else { continue }
            let cmd = try ExerciseCommand.expectation(e.command, session)
            guard let g = cmd.goal, !g.sealed else {
                kept.append(e.command)
                continue
            }
            let layer = g.layer.map { " " + $0.value.text } ?? ""
            let target = g.targetText
            e.command = "expect \(g.quantity)\(layer) " + SealedGoal(comparison: "\(g.op) \(target)", hint: g.hint).seal()
            e.output = ""
            out.items[i] = .cell(e)
            sealed += 1
            targets.append(target)
        }
        guard sealed > 0 else { throw ShellError("\(path) has no `expect QUANTITY OP NUMBER` goals to seal") }
        do { try out.write(to: output!) } catch { throw ShellError("cannot write \(output!): \(error.localizedDescription)") }
        var lines = ["sealed \(sealed) goal\(sealed == 1 ? "" : "s") → \(session.shownPath(output!))"]
        if !kept.isEmpty { lines.append("left readable: " + kept.joined(separator: "; ")) }
        let prose = t.items.compactMap { if case .prose(let p) = $0 { return p }; return nil }.joined(separator: "\n")
        for n in Set(targets).sorted() where ExerciseCommand.mentions(prose, n) {
            lines.append("warning: the prose still mentions \(n); reword it if that gives a target away")
        }
        return lines.joined(separator: "\n")
    }

    /// Whether `text` contains the number `n` as a whole token.
    static func mentions(_ text: String, _ n: String) -> Bool {
        var search = text[...]
        while let r = search.range(of: n) {
            let before = r.lowerBound == text.startIndex ? nil : text[text.index(before: r.lowerBound)]
            let after = r.upperBound == text.endIndex ? nil : text[r.upperBound]
            func isDigit(_ c: Character?) -> Bool { c.map { $0.isNumber || $0 == "." } ?? false }
            if !isDigit(before) && !(isDigit(after) && after != ".") { return true }
            search = text[r.upperBound...]
        }
        return false
    }
}
