import Foundation
import GradTensor

/// `exercise list | open N|PATH | submit [NAME] | seal SOURCE OUT`, and
/// `exercise` alone for the open exercise's goals and where they stand.
///
/// An exercise starts from a clean session: its hand-in holds only the cells
/// typed since `exercise open`, so data or a model loaded before would be
/// missing when the teacher replays it. Opening one over a session that
/// already has data or a model is therefore refused until the student says
/// `fresh=true` (which clears them) — a student would not expect the shell to
/// throw work away unasked, nor a hand-in that does not replay.
struct ExerciseCommand: Command {
    static let spec = CommandSpec(
        name: "exercise", summary: "list, open, check the status of and hand in classroom exercises; seal one's goals",
        usage: "exercise | exercise list | exercise open N|NAME|PATH [fresh=true] | exercise submit [NAME] | exercise seal SOURCE.md OUT.md",
        discussion: "An exercise is a transcript whose `expect` lines are its goals and whose `require` lines are conditions (e.g. `require data fashion-mnist validation=5000 limit=15000`). `exercise list` shows the exercises in tutorials/exercises; `exercise open N` (or its file name without .md, or a path) opens one (it starts from a clean session: with data or a model already loaded it asks for `fresh=true`, which clears them); `exercise` alone shows each goal as met, not met or not measurable yet; `check` evaluates them; `exercise submit [NAME]` runs `check` and writes a hand-in, sessions/handin-EXERCISE[-NAME]-YYYY-MM-DD-HHMM.md, holding the cells since `exercise open` without failed cells and help, history, explain, check or exercise cells. `seal` rewrites every `expect QUANTITY OP NUMBER [hint=…]` as `expect QUANTITY sealed:TOKEN`: a student running `check` sees pass or fail and, on a failure, the hint, but the file shows neither the target nor the hint, and editing a goal, its place, the number of goals or a readable rule breaks the seals. Keep SOURCE: it is the only readable copy of the targets.",
        keys: [KeySpec("fresh", "open: clear the session's data and model first", .words(["true", "false"]))],
        positional: .words(["list", "open", "submit", "seal"]),
        examples: ["exercise list", "exercise open 1", "exercise", "exercise submit ada",
                   "exercise open tutorials/exercises/01-batchnorm.md fresh=true",
                   "exercise seal tutorials/src/exercises/04-beat-the-instructor.md tutorials/exercises/04-beat-the-instructor.md"],
        category: "notebook")

    enum Action { case status, list, open(String, fresh: Bool), submit(String?), seal(String, String) }
    let action: Action

    init(_ args: inout Arguments, session: Session) throws {
        let word = try args.choice("action", positional: true, from: ["list", "open", "submit", "seal"], default: "status")!
        switch word {
        case "list": action = .list
        case "open":
            guard let p = try args.string("path", positional: true) else {
                throw ShellError("exercise open needs a number or a PATH; see `exercise list`")
            }
            action = .open(p, fresh: try args.bool("fresh", default: false))
        case "submit":
            let name = try args.string("name", positional: true)
            let allowed: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            if let n = name, n.isEmpty || n.count > 40 || !n.allSatisfy(allowed) {
                throw ShellError("a hand-in NAME is up to 40 letters, digits, - or _, e.g. `exercise submit ada-lovelace`")
            }
            action = .submit(name)
        case "seal":
            guard let p = try args.string("path", positional: true), let o = try args.string("out", positional: true) else {
                throw ShellError("exercise seal needs SOURCE and OUT paths")
            }
            let out = try session.writablePath(o, defaultExtension: "md")
            let a = URL(fileURLWithPath: p).standardizedFileURL.path, b = URL(fileURLWithPath: out).standardizedFileURL.path
            guard a != b else {
                throw ShellError("refusing to seal \(p) in place: it is the only readable copy of the targets; give another OUT path")
            }
            action = .seal(p, out)
        default: action = .status
        }
    }

    func run(_ session: Session) throws -> String {
        switch action {
        case .status: return try status(session)
        case .list: return ExerciseCommand.list(session)
        case .open(let p, let fresh): return try open(p, fresh: fresh, session)
        case .submit(let name): return try submit(name, session)
        case .seal(let p, let out): return try seal(try Transcript.load(session.readablePath(p)), path: p, output: out, session)
        }
    }

    /// The exercises shipped under the tutorials folder, in order.
    static func files(_ session: Session) -> [String] {
        let dir = session.tutorialsDirectory + "/exercises"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".md") && $0.first?.isNumber == true }.sorted().map { dir + "/" + $0 }
    }

    static func list(_ session: Session) -> String {
        let files = files(session)
        guard !files.isEmpty else { return "no exercises found in \(session.tutorialsDirectory)/exercises" }
        return (files.enumerated().map { i, f in
            let title = (try? Transcript.load(f))?.title ?? (f as NSString).lastPathComponent
            return String(format: "%2d  ", i + 1) + title + "  (" + (f as NSString).lastPathComponent + ")"
        } + ["", "Open one with `exercise open N`."]).joined(separator: "\n")
    }

    /// `N` (from `exercise list`), a shipped exercise's name (`01-batchnorm`), or a path.
    static func resolve(_ p: String, _ session: Session) throws -> String {
        guard let n = Int(p) else {
            // A file of that name first (in a replay: the teacher's copy a grader put there), then a shipped exercise.
            if FileManager.default.fileExists(atPath: session.readablePath(p)) { return p }
            let shipped = session.tutorialsDirectory + "/exercises/" + p + ".md"
            if !p.contains("/"), !p.hasSuffix(".md"), FileManager.default.fileExists(atPath: shipped) { return shipped }
            return p
        }
        let files = files(session)
        guard n >= 1, n <= files.count else {
            throw ShellError(files.isEmpty ? "no exercises found in \(session.tutorialsDirectory)/exercises"
                             : "exercise \(n) does not exist; there are \(files.count) (see `exercise list`)")
        }
        return files[n - 1]
    }

    private func open(_ p: String, fresh: Bool, _ session: Session) throws -> String {
        let path = try ExerciseCommand.resolve(p, session)
        let ex = Exercise(try Transcript.load(session.readablePath(path)), path: path)
        guard !ex.expectations.isEmpty else { throw ShellError("\(path) has no `expect` lines, so it is not an exercise") }
        let goals = try ex.expectations.indices.map { i -> String in
            do { return try ExerciseCommand.expectation(ex, i, session).shown() } catch let err as ShellError {
                throw ShellError("goal \(i + 1) of \(path) is broken: \(err.message)")
            }
        }
        let requirements = try ex.requirements.map { r -> String in
            do { return try ExerciseCommand.requirement(r, session).dataLine } catch let err as ShellError {
                throw ShellError("`\(r)` in \(path) is broken: \(err.message)")
            }
        }
        var loaded: [String] = []
        if session.data != nil { loaded.append("data") }
        if session.model != nil { loaded.append("a model") }
        if !loaded.isEmpty && !fresh {
            throw ShellError("this session already has \(loaded.joined(separator: " and ")); an exercise starts from a clean session so that "
                             + "your hand-in replays on its own: `exercise open \(p) fresh=true` clears them (`save session PATH` first to keep them)")
        }
        // Nothing can fail from here on. Nothing from before may carry over: no model, data or undo step.
        session.data = nil
        session.dataRecipe = nil
        session.model = nil
        session.lastMonteCarloEvaluation = nil
        session.gradientHistory = []
        session.undoStack = []
        session.rng = RandomGenerator(seed: session.seed)
        var opened = ex
        opened.seed = session.seed
        session.exercise = opened
        session.exerciseTraining = TrainingLog()
        var text = ex.task + "\n\n"
        if !requirements.isEmpty {
            text += "Required (checked by `check`):\n" + requirements.map { "  • " + $0 }.joined(separator: "\n") + "\n\n"
        }
        return text + "Goals (\(goals.count)):\n" + goals.map { "  • " + $0 }.joined(separator: "\n") +
            "\n\nWork in the shell, then type `check`."
    }

    /// `exercise`: each requirement and goal as met, not met or not measurable yet.
    private func status(_ session: Session) throws -> String {
        guard let ex = session.exercise else {
            throw ShellError("no exercise is open; `exercise list` shows them, `exercise open N` opens one")
        }
        var lines = ["exercise: \(ex.displayName) (\(ex.name))"]
        for r in CheckCommand.evaluate(ex, session) {
            let mark: String
            switch r.state {
            case .met: mark = "met"
            case .notMet: mark = "not met"
            case .unmeasurable: mark = "not measurable yet"
            }
            lines.append("  " + mark.padding(toLength: 18, withPad: " ", startingAt: 0) + "  \(r.shown)"
                         + (r.detail.isEmpty ? "" : "  (\(r.detail))") + (r.state == .notMet && r.hint != nil ? " — hint: \(r.hint!)" : ""))
        }
        let n = session.exerciseTraining.epochs
        lines.append("\(n) epoch\(n == 1 ? "" : "s") trained since `exercise open`; `check` for the full report, `exercise submit` to hand in")
        return lines.joined(separator: "\n")
    }

    /// Commands whose cells a hand-in leaves out: they look things up and change nothing a replay needs.
    static let notHandedIn: Set<String> = ["help", "history", "explain", "check", "exercise", "tutorial", "quit", "exit"]

    /// `exercise submit [NAME]`: `check`, then one clean transcript of this exercise's work under sessions/.
    private func submit(_ name: String?, _ session: Session) throws -> String {
        guard let ex = session.exercise else { throw ShellError("no exercise is open; `exercise open N` first, then work, then submit") }
        guard let start = session.cells.lastIndex(where: { !$0.failed && $0.input.hasPrefix("exercise open") }) else {
            throw ShellError("this session's cells do not show `exercise open`; open the exercise again and redo the work to hand it in")
        }
        let report = try CheckCommand().run(session)
        // The seed the exercise started from, spelled out so the hand-in replays the same whatever `--seed` replays it.
        let seed = ex.seed ?? session.seed
        // A shipped exercise by name, found wherever the teacher's shell starts; another by its path.
        let folder = { (p: String) in URL(fileURLWithPath: p).standardizedFileURL.path }
        let shipped = folder((ex.path as NSString).deletingLastPathComponent) == folder(session.tutorialsDirectory + "/exercises")
        var cells = [Cell(number: 1, input: "exercise open \(shipped ? ex.name : ex.path)", output: session.cells[start].output),
                     Cell(number: 2, input: "seed \(seed)", output: "seed \(seed)")]
        for c in session.cells[(start + 1)...] where !c.failed {
            let word = c.input.split(separator: " ").first.map { $0.lowercased() } ?? ""
            if !c.isProse && ExerciseCommand.notHandedIn.contains(word) { continue }
            cells.append(c)
        }
        cells.append(Cell(number: 0, input: "check", output: report))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd-HHmm"
        let stamp = formatter.string(from: Date())
        let base = session.sessionsDirectory + "/handin-\(ex.name)" + (name.map { "-" + $0 } ?? "") + "-" + stamp
        var path = try session.writablePath(base, defaultExtension: "md")
        var k = 2
        while FileManager.default.fileExists(atPath: path) {
            path = try session.writablePath(base + "-\(k)", defaultExtension: "md")
            k += 1
        }
        var t = Transcript(cells: cells, title: "Hand-in: \(ex.displayName)")
        t.relativeTolerance = ex.relativeTolerance
        t.absoluteTolerance = ex.absoluteTolerance
        t.items.insert(.prose("Handed in" + (name.map { " by \($0)" } ?? "") + " on \(stamp) with gradlab \(Session.version): "
                              + "the cells since `exercise open`, without failed cells and look-ups, ending with `check`. "
                              + "Replay it with `gradlab replay --check \((path as NSString).lastPathComponent)`."), at: 0)
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try atomicWrite(Data(t.render().utf8), to: path)
        } catch { throw ShellError("cannot write \(path): \(error.localizedDescription)") }
        // Files from this machine are not in the hand-in: say so, since the teacher's replay would miss them.
        let outside = cells.map(\.input).filter { l in
            ["model load", "model reuse", "model import", "data idx", "data csv", "data npy", "data npz"].contains { l.hasPrefix($0) }
        }
        return report + "\nhanded in: \(path) (\(cells.count) cells)"
            + (outside.isEmpty ? "" : "\nnote: it reads files from this computer, which a teacher replaying it will not have: "
                + outside.map { "`\($0)`" }.joined(separator: ", "))
    }

    /// Parses goal `index` of `ex`; a sealed goal opens bound to its place there.
    static func expectation(_ ex: Exercise, _ index: Int, _ session: Session) throws -> ExpectCommand {
        let line = ex.expectations[index]
        guard let parsed = try Parser.parse(line), parsed.command == "expect" else { throw ShellError("not an expect line: \(line)") }
        var args = try Arguments(parsed, keys: ExpectCommand.spec.keys.map(\.name))
        let cmd = try ExpectCommand(&args) { q, layer in ex.binding(goal: index, quantity: q, layer: layer) }
        try args.finish()
        return cmd
    }

    /// Parses a `require …` line of an exercise.
    static func requirement(_ line: String, _ session: Session) throws -> RequireCommand {
        guard let parsed = try Parser.parse(line), parsed.command == "require" else { throw ShellError("not a require line: \(line)") }
        var args = try Arguments(parsed, keys: RequireCommand.spec.keys.map(\.name))
        let cmd = try RequireCommand(&args, session: session)
        try args.finish()
        return cmd
    }

    private func seal(_ t: Transcript, path: String, output: String, _ session: Session) throws -> String {
        let ex = Exercise(t, path: path)
        // Goals to seal, parsed before anything is written: the readable rules are what stays unsealed.
        var plans: [(goal: ExpectCommand.Goal, index: Int)] = []
        var kept: [String] = []
        if ex.expectations.contains(where: Exercise.isSealed) {
            throw ShellError("\(path) already has sealed goals; seal the readable source instead")
        }
        if let twice = ex.expectations.first(where: { g in ex.expectations.filter { $0 == g }.count > 1 }) {
            throw ShellError("`\(twice)` appears twice in \(path); a goal may appear once")
        }
        for i in ex.expectations.indices {
            let cmd = try ExerciseCommand.expectation(ex, i, session)
            guard let g = cmd.goal, !g.sealed else {
                kept.append(ex.expectations[i])
                continue
            }
            plans.append((g, i))
        }
        for r in ex.requirements { _ = try ExerciseCommand.requirement(r, session) }
        guard !plans.isEmpty else { throw ShellError("\(path) has no `expect QUANTITY OP NUMBER` goals to seal") }
        let readable = ex.rules.filter { r in !plans.contains { ex.expectations[$0.index] == r } }
        var lines: [String: String] = [:]
        for (g, i) in plans {
            let layer = g.layer.map { $0.value.text }
            let binding = SealedGoal.Binding(quantity: g.quantity, layer: layer, position: i + 1, count: ex.expectations.count, rules: readable)
            lines[ex.expectations[i]] = "expect \(g.quantity)" + (layer.map { " " + $0 } ?? "") + " "
                + SealedGoal(comparison: "\(g.op) \(g.targetText)", hint: g.hint).seal(binding)
        }
        var out = t
        for (j, item) in t.items.enumerated() {
            guard case .cell(var e) = item, let sealed = lines[e.command.trimmingCharacters(in: .whitespaces)] else { continue }
            e.command = sealed
            e.output = ""
            out.items[j] = .cell(e)
        }
        do { try out.write(to: output) } catch { throw ShellError("cannot write \(output): \(error.localizedDescription)") }
        var report = ["sealed \(plans.count) goal\(plans.count == 1 ? "" : "s") → \(output)"]
        if !kept.isEmpty { report.append("left readable: " + kept.joined(separator: "; ")) }
        if !ex.requirements.isEmpty { report.append("bound to the seals: " + ex.requirements.joined(separator: "; ")) }
        let prose = t.items.compactMap { if case .prose(let p) = $0 { return p }; return nil }.joined(separator: "\n")
        for n in Set(plans.map(\.goal.targetText)).sorted() where ExerciseCommand.mentions(prose, n) {
            report.append("warning: the prose still mentions \(n); reword it if that gives a target away")
        }
        return report.joined(separator: "\n")
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
