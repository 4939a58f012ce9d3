import Foundation
import GradNN

/// Grades one hand-in against an exercise: the hand-in is replayed with
/// `--check` in a sandbox (its writes go to a scratch folder), then the
/// teacher's copy of the goals is evaluated on the replayed final state —
/// never the student's recorded `check` — and what breaks the exercise's
/// rules is flagged. `gradlab grade` runs this in a child process per hand-in.
public enum Grader {
    /// One goal of the teacher's exercise, as measured on the replayed state.
    public struct Goal: Codable, Equatable {
        public var goal: String
        public var met: Bool
        /// The measured value (e.g. `0.8634`), or why it could not be measured.
        public var value: String
    }

    /// A hand-in's row of the class report.
    public struct Result: Codable, Equatable {
        public var file: String
        /// Every recorded output reproduced (within the transcript's tolerance).
        public var reproduces: Bool
        /// How many cells did not reproduce.
        public var differing: Int
        public var goals: [Goal]
        public var flags: [String]
        public var seconds: Double
        /// Set when the hand-in could not be graded at all (unreadable, timed out…).
        public var error: String?
        public var goalsMet: Int { goals.filter(\.met).count }

        public init(
            file: String, reproduces: Bool = false, differing: Int = 0, goals: [Goal] = [], flags: [String] = [],
            seconds: Double = 0, error: String? = nil
        ) {
            self.file = file
            self.reproduces = reproduces
            self.differing = differing
            self.goals = goals
            self.flags = flags
            self.seconds = seconds
            self.error = error
        }
    }

    /// Grades `handIn` against the exercise at `exercise` (the file as handed out).
    public static func grade(exercise exercisePath: String, handIn: String, seed: UInt64 = 42) -> Result {
        let t0 = Date()
        var result = gradeUntimed(exercise: exercisePath, handIn: handIn, seed: seed)
        result.seconds = Date().timeIntervalSince(t0)
        return result
    }

    static func gradeUntimed(exercise exercisePath: String, handIn: String, seed: UInt64) -> Result {
        var result = Result(file: handIn)
        let exercise: Exercise
        let exerciseText: Transcript
        do {
            exerciseText = try Transcript.load(exercisePath)
            exercise = Exercise(exerciseText, path: exercisePath)
        } catch {
            result.error = "the exercise does not load: \(message(error))"
            return result
        }
        let work: Transcript
        do { work = try Transcript.load(handIn) } catch {
            result.error = "unreadable: \(message(error))"
            result.flags = ["unreadable"]
            return result
        }
        let session = Session(seed: seed, sessionsDirectory: "sessions")
        session.onLine = nil
        // Whatever path the hand-in opened its exercise from, the replay opens the teacher's copy.
        let sandbox: ReplaySandbox
        do { sandbox = try ReplaySandbox(transcript: handIn) } catch {
            result.error = "cannot make a scratch folder: \(message(error))"
            return result
        }
        defer { try? FileManager.default.removeItem(atPath: sandbox.scratch) }
        let exerciseData = FileManager.default.contents(atPath: exercisePath) ?? Data()
        for e in work.entries where e.command.hasPrefix("exercise open ") {
            let typed = e.command.dropFirst("exercise open ".count).split(separator: " ").first.map(String.init) ?? ""
            guard !typed.isEmpty else { continue }
            let target = sandbox.redirect(
                (typed.replacingOccurrences(of: "\"", with: "") as NSString).expandingTildeInPath)
            try? FileManager.default.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try? exerciseData.write(to: URL(fileURLWithPath: target))
        }
        session.sandbox = sandbox
        let report = Replayer.replay(work, path: handIn, in: session, check: true)
        session.sandbox = nil
        result.differing = report.failures.count
        result.reproduces = report.failures.isEmpty && !report.stoppedEarly
        if !result.reproduces {
            result.flags.append(
                "does not reproduce (\(report.failures.count) cell\(report.failures.count == 1 ? " differs" : "s differ"))"
            )
        }
        result.flags += flags(work: work, exercise: exerciseText, replayed: session.cells)
        if let v = work.version, v != Session.version {
            result.flags.append("handed in with gradlab \(v), graded with \(Session.version): grade with the class's version")
        }
        session.exercise = exercise
        let check = session.run("check")
        result.goals = parseCheck(check.output, count: exercise.expectations.count)
        // `check` reports the exercise's `require` lines too; they are not goals, but a failed one breaks the rules.
        for line in check.output.split(separator: "\n") where line.hasPrefix("✗ fail  require ") {
            result.flags.append("requirement not met (" + line.dropFirst("✗ fail  ".count) + ")")
        }
        let recordedChecks = work.entries.filter { $0.command == "check" }
        if let last = recordedChecks.last, last.output.contains("exercise complete!"),
            result.goalsMet < exercise.expectations.count
        {
            result.flags.append(
                "its recorded check says complete; the teacher's goals say \(result.goalsMet)/\(exercise.expectations.count)"
            )
        }
        if recordedChecks.isEmpty { result.flags.append("never ran check") }
        return result
    }

    /// What breaks the exercise's rules, read from the hand-in's cells.
    static func flags(work: Transcript, exercise: Transcript, replayed: [Cell]) -> [String] {
        var flags: [String] = []
        let scratch = Session()
        let prescribed = exercise.entries.compactMap { e -> String? in
            if e.command.hasPrefix("require data ") { return canonicalData(String(e.command.dropFirst(8)), scratch) }
            if e.command.hasPrefix("data ") { return canonicalData(e.command, scratch) }
            return nil
        }
        for e in work.entries {
            let words = e.command.split(separator: " ").map(String.init)
            guard let first = words.first else { continue }
            if first == "data", words.count > 1, !prescribed.isEmpty, !prescribed.contains(canonicalData(e.command, scratch)) {
                flags.append("other data than prescribed (`\(e.command)`)")
            }
            if first == "model", words.count > 1, ["load", "reuse", "import"].contains(words[1]),
                !(words[1] == "reuse" && words.count > 2 && words[2] == "current") {
                flags.append("model loaded from a file (`\(e.command)`)")
            }
            if first == "fit" || first == "train", e.output.contains("interrupted at epoch") {
                flags.append("interrupted fit (line \(e.line))")
            }
        }
        // The goals the student saw when opening the exercise, against the teacher's.
        let opens = work.entries.filter { $0.command.hasPrefix("exercise open ") }
        if opens.isEmpty { flags.append("never opened the exercise") }
        for e in opens {
            guard let again = replayed.first(where: { $0.input == e.command }) else { continue }
            let bullets = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("  • ") } }
            let recorded = bullets(e.output)
            let teacher = bullets(again.output)
            if recorded != teacher {
                let removed = teacher.count - recorded.count
                flags.append("goals differ from the exercise's" + (removed > 0 ? " (\(removed) removed)" : " (edited)"))
            }
        }
        return flags
    }

    /// A `data …` line reduced to what it loads, as `require data` compares them
    /// (`RequireCommand.canonicalData`); the line itself when it does not parse.
    static func canonicalData(_ line: String, _ session: Session = Session()) -> String {
        (try? RequireCommand.canonicalData(line, session)) ?? line
    }

    /// The goals as `check` reported them (`✓ pass  GOAL  (got V)` / `✗ fail …`).
    static func parseCheck(_ output: String, count: Int) -> [Goal] {
        var goals: [Goal] = []
        for raw in output.split(separator: "\n") {
            let line = String(raw)
            let met: Bool
            if line.hasPrefix("✓ pass") {
                met = true
            } else if line.hasPrefix("✗ fail") {
                met = false
            } else {
                continue
            }
            var rest = String(line.dropFirst(6)).trimmingCharacters(in: .whitespaces)
            if rest.hasPrefix("require ") { continue }
            if let hint = rest.range(of: " — hint: ") { rest = String(rest[..<hint.lowerBound]) }
            var value = ""
            if rest.hasSuffix(")"), let open = rest.range(of: "  (", options: .backwards) {
                value = String(rest[open.upperBound..<rest.index(before: rest.endIndex)])
                rest = String(rest[..<open.lowerBound])
            }
            if value.hasPrefix("got ") { value = String(value.dropFirst(4)) }
            goals.append(Goal(goal: rest, met: met, value: value))
        }
        if goals.isEmpty && count > 0 {
            goals = (1...count).map {
                Goal(goal: "goal \($0)", met: false, value: output.split(separator: "\n").first.map(String.init) ?? "")
            }
        }
        return goals
    }

    static func message(_ error: Error) -> String {
        (error as? ShellError)?.message ?? "\(error)"
    }
}
