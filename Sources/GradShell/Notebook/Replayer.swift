import Foundation

/// What the user chose when stepping through a replay.
public enum StepAction { case run, skip, quit }

/// The outcome of a replay.
public struct ReplayReport {
    public var path: String
    public var cellsRun = 0
    public var checked = 0
    public var failures: [String] = []
    public var stoppedEarly = false
    /// Set when the transcript names another gradlab than this one.
    public var versionNote: String?
    /// The scratch folder that received the replay's writes (nil when it wrote nothing).
    public var scratch: String?
    public var passed: Bool { failures.isEmpty }
}

/// Re-executes a transcript's commands in a session, optionally comparing
/// each output with the recorded one. A transcript is data: only gradlab
/// commands run, and its writes go to a scratch folder (`ReplaySandbox`),
/// never over the transcript or any other file. A `fit`
/// whose recorded output says where it was interrupted stops at that step.
public enum Replayer {
    public static func replay(_ t: Transcript, path: String, in session: Session, check: Bool,
                              step: ((Transcript.Entry) -> StepAction)? = nil) -> ReplayReport {
        var report = ReplayReport(path: path)
        sandboxed(path: path, in: session, into: &report) { report in
            run(t, path: path, in: session, check: check, step: step, into: &report)
        }
        return report
    }

    /// Runs `body` as a replay: at replay depth, with every write in a scratch
    /// folder (the outer replay's when nested) that the report then names.
    static func sandboxed(path: String, in session: Session, into report: inout ReplayReport,
                          _ body: (inout ReplayReport) -> Void) {
        let outer = session.sandbox
        if outer == nil {
            do { session.sandbox = try ReplaySandbox(transcript: path) } catch {
                report.failures.append("\(path): cannot make a scratch folder for the replay's writes: \(error.localizedDescription)")
                return
            }
        }
        session.replayDepth += 1
        body(&report)
        session.replayDepth -= 1
        if outer == nil {
            report.scratch = session.sandbox?.finish()
            session.sandbox = nil
        }
    }

    static func run(_ t: Transcript, path: String, in session: Session, check: Bool,
                    step: ((Transcript.Entry) -> StepAction)?, into report: inout ReplayReport) {
        if let v = t.version, v != Session.version {
            let note = "recorded with gradlab \(v), replayed with gradlab \(Session.version): training numbers may differ between versions, so a checked cell can fail for that reason alone"
            report.versionNote = note
            session.emit("note: " + note)
        }
        let record = session.recordsReplayedProse
        for item in t.items {
            guard case .cell(let e) = item else {
                if case .prose(let p) = item {
                    session.emit(p.split(separator: "\n").map { "  │ " + $0 }.joined(separator: "\n"))
                    if record { session.appendProse(p) }
                }
                continue
            }
            if session.interruptRequested() {
                session.clearInterrupt()
                report.stoppedEarly = true
                session.emit("replay interrupted by Ctrl-C before line \(e.line)")
                break
            }
            if let step {
                switch step(e) {
                case .skip: session.emit("(skipped) > \(e.command)"); continue
                case .quit: report.stoppedEarly = true; return
                case .run: break
                }
            }
            if e.command.hasPrefix("#") { session.appendProse(String(e.command.dropFirst().drop(while: { $0 == " " }))); continue }
            let firstWord = e.command.split(separator: " ").first.map(String.init) ?? ""
            if ["replay", "quit", "exit"].contains(firstWord) {
                session.emit("> \(e.command)\n(skipped: \(firstWord) is not run inside a replay)")
                continue
            }
            session.emitReplayOutput("[\(session.cells.count + 1)] \(e.command)")
            // A `fit` whose recorded output says where it was interrupted stops at that step,
            // so the cells after it see the same model (only `fit` reads this; other cells ignore it).
            session.fitStopAfter = FitCommand.recordedStop(in: e.output)
            let cell = session.run(e.command)
            session.fitStopAfter = nil
            report.cellsRun += 1
            let isExpect = firstWord == "expect"
            if isExpect && cell.failed {
                report.failures.append("\(path):\(e.line): expectation failed\n  > \(e.command)\n  \(cell.output)")
                continue
            }
            guard check, e.check, !isExpect else { continue }
            report.checked += 1
            if let diff = OutputComparison.difference(expected: e.output, got: cell.output,
                                                      relative: e.relativeTolerance ?? t.relativeTolerance,
                                                      absolute: e.absoluteTolerance ?? t.absoluteTolerance) {
                report.failures.append("\(path):\(e.line): cell \(cell.number) output differs\n  > \(e.command)\n  \(diff)")
            }
        }
    }

    /// Runs a transcript written by hand (only `> command` lines) and fills in
    /// every output: prose and cell flags are kept. Training cells are checked
    /// like any other: a seeded training gives the same bits on every CPU and
    /// kernel path, so its numbers are as fixed as a summary's. Writes go to a
    /// scratch folder as in any replay; the caller writes the returned transcript.
    public static func record(_ t: Transcript, path: String, in session: Session) -> (Transcript, ReplayReport) {
        var report = ReplayReport(path: path)
        var out = t
        session.onLine = nil
        sandboxed(path: path, in: session, into: &report) { report in
            for (i, item) in t.items.enumerated() {
                guard case .cell(var e) = item else { continue }
                let firstWord = e.command.split(separator: " ").first.map(String.init) ?? ""
                if ["replay", "quit", "exit", "resume"].contains(firstWord) { continue }
                let cell = session.run(e.command)
                report.cellsRun += 1
                if cell.failed && firstWord == "expect" {
                    report.failures.append("\(path):\(e.line): expectation failed\n  > \(e.command)\n  \(cell.output)")
                }
                e.output = cell.output
                out.items[i] = .cell(e)
            }
        }
        return (out, report)
    }

    /// The report as a test runner would print it.
    public static func summary(_ r: ReplayReport) -> String {
        var lines: [String] = []
        for f in r.failures { lines.append("FAIL " + f) }
        if let s = r.scratch { lines.append("files the transcript wrote went to \(s)/ (your files are untouched)") }
        if let v = r.versionNote, !r.failures.isEmpty { lines.append("note: " + v) }
        lines.append("\(r.path): \(plural(r.cellsRun, "cell")) run, \(r.checked) checked, \(r.failures.count) failed" + (r.stoppedEarly ? " (stopped early)" : ""))
        return lines.joined(separator: "\n")
    }
}
