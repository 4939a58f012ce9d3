import ArgumentParser
import Foundation
import GradShell
import GradTensor

/// The `gradlab` executable: argument parsing, the line editor, signals. Nothing else.
@main
struct Gradlab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradlab",
        abstract: "An interactive shell for learning how deep neural networks are trained.",
        discussion: """
            Options of the shell (the default subcommand; `gradlab shell --help` says more):
              --seed N                 random seed (default 42; same seed, same numbers)
              --sessions DIR           where sessions and autosaves go (default sessions)
              --resume                 bring back the most recent saved session
              --autosave/--no-autosave save after every cell (default: on a terminal)
              --timings                `timing …` lines on standard error (for make bench)

            An interactive session saves itself after every cell under SESSIONS/autosave/ (its own folder; \
            the last \(Autosave.kept) are kept): `gradlab --resume` or the `resume` command brings it back.

            Environment:
              GRADLAB_HISTORY    the line-editor history file (default $XDG_STATE_HOME/gradlab/history \
            when XDG_STATE_HOME is set, else $HOME/.gradlab_history)
              NO_COLOR           no colour on a terminal
              COLUMNS            the output width when it is not a terminal
              GRADLAB_KERNEL     avx512, avx2 or scalar: force the products' kernels (same results on every one)
              GRADLAB_PARALLEL   0 runs the products on one core
            """,
        version: Session.version,
        subcommands: [Shell.self, Run.self, Replay.self, Grade.self, GradeOne.self],
        defaultSubcommand: Shell.self)

    static func main() {
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
    // NO_COLOR (no-color.org): present and not empty turns colour off.
    s.useColor = terminal && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    var ws = winsize()
    if terminal, ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 20 { s.width = Int(ws.ws_col) }
    else if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 20 { s.width = c }
    s.interruptRequested = { Signals.interrupted != 0 }
    s.clearInterrupt = { Signals.interrupted = 0 }
    s.onLine = { print($0); fflush(stdout) }
    s.onProgress = { line in
        FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
    }
    if terminal { Resize.install(s) }
    if o.timings {
        s.onTiming = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        s.onTiming?("timing kernel=\(BLAS.kernel)")
    }
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
    @Flag(help: "Bring back the most recent saved session (see `resume list`).") var resume = false
    @Flag(inversion: .prefixedNo, help: "Save the session after every cell under SESSIONS/autosave/ (default: on a terminal).")
    var autosave: Bool?

    func run() throws {
        let t0 = Date()
        let terminal = isatty(0) != 0 && isatty(1) != 0
        let session = makeSession(options, terminal: terminal)
        if autosave ?? terminal { session.autosave = Autosave(sessionsDirectory: options.sessions) }
        if terminal {
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
            if let a = session.autosave { print("this session saves itself to \(a.folder)/ (`gradlab --resume` brings it back)") }
        }
        Signals.onQuit = { Shell.farewell(session) }
        if resume {
            session.run("resume")
        } else if terminal, session.autosave != nil, let last = ResumeCommand.candidates(session).first, !last.offered,
                  !last.ended || last.model != nil {
            print("your last session: " + last.line)
            let answer = LineEditor.readLine(prompt: "resume it? [Y/n] ")
            Autosave.markOffered(last.folder)
            // `resume`, the command the banner names, is a yes too. Anything else but a no is a
            // learner who went straight to work: a no, and that line runs as the first cell.
            let a = answer?.trimmingCharacters(in: .whitespaces) ?? ""
            let lower = a.lowercased()
            if answer != nil && (lower.isEmpty || lower.hasPrefix("y") || lower == "resume") {
                session.run("resume \"\(last.folder)\"")
            } else if answer != nil {
                print("(not resumed: `resume` brings it back later)")
                if !["n", "no", "nope", "non", "nein"].contains(lower) { session.run(a) }
            }
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
        Shell.farewell(session)
    }

    /// On leaving (quit, Ctrl-D, Ctrl-C twice): the autosave marked as ended, and where the work is.
    static func farewell(_ session: Session) {
        guard let a = session.autosave, !session.cells.isEmpty else { return }
        if let error = a.write(session, ended: true) {
            print("warning: the last autosave failed (\(error))")
        } else {
            print("your work is saved in \(a.folder)/ — `gradlab --resume` brings it back")
        }
        fflush(stdout)
        session.autosave = nil
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

/// `gradlab replay [--check | --record] FILE…`: re-runs transcripts; exit code 1 if a check fails.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replay transcripts; with --check, compare every output (exit 1 on a difference).")
    @OptionGroup var options: CommonOptions
    @Flag(help: "Compare each output with the recorded one.") var check = false
    @Flag(help: "Pause before each cell.") var step = false
    @Flag(help: "Print only the report, not the cells.") var quiet = false
    @Flag(help: "Fill in the outputs of a transcript written by hand (only `> command` lines); every cell, training included, is checked on replay.")
    var record = false
    @Option(help: "With --record: where the filled-in transcript goes (default: the file itself).") var output: String?
    @ArgumentParser.Argument(help: "Transcript files (Markdown).") var files: [String]

    func run() throws {
        if record { return try recordAll() }
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

    /// `--record`: each file's outputs filled in and written back (or to --output), atomically.
    func recordAll() throws {
        guard output == nil || files.count == 1 else { throw ValidationError("--output takes one transcript") }
        var failed = false
        for f in files {
            let session = makeSession(options, terminal: false)
            let t: Transcript
            do { t = try Transcript.load(f) } catch let e as ShellError {
                print("FAIL \(f): \(e.message)")
                failed = true
                continue
            }
            let (filled, report) = Replayer.record(t, path: f, in: session)
            let target = output ?? f
            do { try filled.write(to: target) } catch {
                print("FAIL \(f): cannot write \(target): \(error)")
                failed = true
                continue
            }
            let nocheck = filled.entries.filter { !$0.check }.count
            print(Replayer.summary(report) + "; recorded \(filled.entries.count) outputs into \(target) (\(nocheck) nocheck)")
            if !report.passed { failed = true }
        }
        if failed { throw ExitCode(1) }
    }
}
