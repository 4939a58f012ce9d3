import ArgumentParser
import Foundation
import GradShell

/// The `gradlab` executable: argument parsing, the line editor, signals. Nothing else.
@main
struct Gradlab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradlab",
        abstract: "An interactive shell for learning how deep neural networks are trained.",
        version: Session.version,
        subcommands: [Shell.self, Run.self, Replay.self],
        defaultSubcommand: Shell.self)

    static func main() {
        PinnedBLAS.pinOrReexecute()
        main(nil)
    }
}

/// Options shared by every mode.
struct CommonOptions: ParsableArguments {
    @Option(help: "Random seed (same seed, same numbers).") var seed: UInt64 = 42
    @Flag(help: "Write `timing …` lines to standard error (for make bench).") var timings = false
    @Option(help: "Folder where sessions are saved.") var sessions = "sessions"
}

/// Builds a session wired to this process's terminal.
func makeSession(_ o: CommonOptions, terminal: Bool) -> Session {
    let s = Session(seed: o.seed, sessionsDirectory: o.sessions)
    s.isTerminal = terminal
    s.useColor = terminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    var ws = winsize()
    if terminal, ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 20 { s.width = Int(ws.ws_col) }
    else if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 20 { s.width = c }
    s.interruptRequested = { Signals.interrupted != 0 }
    s.clearInterrupt = { Signals.interrupted = 0 }
    s.onLine = { print($0); fflush(stdout) }
    s.onProgress = { line in
        FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
    }
    if o.timings { s.onTiming = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } }
    if let dir = Bundle.main.executablePath.map({ ($0 as NSString).deletingLastPathComponent }),
       !FileManager.default.fileExists(atPath: "tutorials"),
       let root = [dir + "/../../../tutorials", dir + "/../../tutorials"].first(where: { FileManager.default.fileExists(atPath: $0) }) {
        s.tutorialsDirectory = root
    }
    Signals.install()
    return s
}

/// `gradlab` (the default): the interactive shell, or piped commands on standard input.
struct Shell: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shell", abstract: "Start the shell (the default).")
    @OptionGroup var options: CommonOptions

    func run() throws {
        let t0 = Date()
        let terminal = isatty(0) != 0 && isatty(1) != 0
        let session = makeSession(options, terminal: terminal)
        if terminal {
            session.autosavePath = options.sessions + "/autosave.md"
            session.stepper = { entry in
                guard let answer = LineEditor.readLine(prompt: "  next: \(entry.command)   [Enter runs, s skips, q stops] ") else { return .quit }
                switch answer.trimmingCharacters(in: .whitespaces).lowercased() {
                case "s": return .skip
                case "q": return .quit
                default: return .run
                }
            }
            LineEditor.setUp(session: session)
            print("gradlab \(Session.version) — type `help`, or `tutorial list`")
        }
        session.onTiming?(String(format: "timing startup seconds=%.6f", Date().timeIntervalSince(t0)))
        while !session.shouldQuit {
            let prompt = "[\(session.cells.count + 1)] "
            let line: String?
            if terminal {
                line = LineEditor.readLine(prompt: prompt)
            } else {
                line = Swift.readLine(strippingNewline: true)
                if let l = line, !l.trimmingCharacters(in: .whitespaces).isEmpty { print(prompt + l); fflush(stdout) }
            }
            guard let l = line else { if terminal { print("") }; break }
            Signals.interrupted = 0
            Signals.pending = 0
            var ws = winsize()
            if terminal, ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 20 { session.width = Int(ws.ws_col) }
            session.run(l)
        }
    }
}

/// `gradlab run FILE`: runs a file of commands (one per line) headless.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a file of commands, one per line, without a terminal.")
    @OptionGroup var options: CommonOptions
    @ArgumentParser.Argument(help: "A file with one gradlab command per line.") var file: String

    func run() throws {
        let session = makeSession(options, terminal: false)
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ValidationError("cannot read \(file) as UTF-8 text")
        }
        var failed = false
        for l in text.split(separator: "\n", omittingEmptySubsequences: false) where !session.shouldQuit {
            let line = String(l)
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            print("[\(session.cells.count + 1)] \(line)")
            if session.run(line).failed { failed = true }
        }
        if failed { throw ExitCode(1) }
    }
}

/// `gradlab replay [--check] FILE…`: re-runs transcripts; exit code 1 if a check fails.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replay transcripts; with --check, compare every output (exit 1 on a difference).")
    @OptionGroup var options: CommonOptions
    @Flag(help: "Compare each output with the recorded one.") var check = false
    @Flag(help: "Pause before each cell.") var step = false
    @Flag(help: "Print only the report, not the cells.") var quiet = false
    @ArgumentParser.Argument(help: "Transcript files (Markdown).") var files: [String]

    func run() throws {
        var allPassed = true
        for f in files {
            let session = makeSession(options, terminal: false)
            if quiet { session.onLine = nil }
            let t: Transcript
            do { t = try Transcript.load(f) } catch let e as ShellError {
                print("FAIL \(f): \(e.message)")
                allPassed = false
                continue
            }
            guard !t.entries.isEmpty else {
                print("FAIL \(f): no ```gradlab blocks, so there is nothing to replay")
                allPassed = false
                continue
            }
            let start = Date()
            let report = Replayer.replay(t, path: f, in: session, check: check, step: step ? { e in
                print("  next: \(e.command)   [Enter runs, s skips, q stops] ", terminator: "")
                switch Swift.readLine()?.lowercased() { case "s"?: return .skip; case "q"?, nil: return .quit; default: return .run }
            } : nil)
            print(Replayer.summary(report) + String(format: " in %.1fs", Date().timeIntervalSince(start)))
            if !report.passed { allPassed = false }
        }
        if !allPassed { throw ExitCode(1) }
    }
}
