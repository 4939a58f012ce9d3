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
    public var passed: Bool { failures.isEmpty }
}

/// Re-executes a transcript's commands in a session, optionally comparing
/// each output with the recorded one. A transcript is data: only gradlab
/// commands run, and file writes stay in its folder or `sessions/`.
public enum Replayer {
    public static func replay(_ t: Transcript, path: String, in session: Session, check: Bool,
                              step: ((Transcript.Entry) -> StepAction)? = nil) -> ReplayReport {
        var report = ReplayReport(path: path)
        let folder = (path as NSString).deletingLastPathComponent
        let savedRoots = session.writableRoots
        let roots = [folder.isEmpty ? "." : folder, session.sessionsDirectory]
        session.writableRoots = savedRoots.map { $0 } ?? roots
        session.replayDepth += 1
        defer { session.writableRoots = savedRoots; session.replayDepth -= 1 }
        for item in t.items {
            guard case .cell(let e) = item else {
                if case .prose(let p) = item { session.emit(p.split(separator: "\n").map { "  │ " + $0 }.joined(separator: "\n")) }
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
                case .quit: report.stoppedEarly = true; return report
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
            let cell = session.run(e.command)
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
        return report
    }

    /// The report as a test runner would print it.
    public static func summary(_ r: ReplayReport) -> String {
        var lines: [String] = []
        for f in r.failures { lines.append("FAIL " + f) }
        lines.append("\(r.path): \(plural(r.cellsRun, "cell")) run, \(r.checked) checked, \(r.failures.count) failed" + (r.stoppedEarly ? " (stopped early)" : ""))
        return lines.joined(separator: "\n")
    }
}
