import Foundation
import GradNN

/// `history`: the cells of this session.
struct HistoryCommand: Command {
    static let spec = CommandSpec(name: "history", summary: "list this session's cells", usage: "history",
                                  examples: ["history"], category: "notebook")
    init(_ args: inout Arguments, session: Session) throws {}
    func run(_ session: Session) throws -> String {
        let cells = session.cells
        guard !cells.isEmpty else { return "no cells yet" }
        return cells.map { "[\($0.number)] \($0.input)\($0.failed ? "   (failed)" : "")" }.joined(separator: "\n")
    }
}

/// `rerun N` or `rerun N..M`: runs earlier cells again as new cells.
struct RerunCommand: Command {
    static let spec = CommandSpec(name: "rerun", summary: "run earlier cells again", usage: "rerun N | rerun N..M",
                                  examples: ["rerun 5", "rerun 3..6"], category: "notebook")
    let range: ClosedRange<Int>
    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("rerun needs a cell number, e.g. `rerun 5`") }
        switch a.value {
        case .number(let v, _) where v == v.rounded() && v >= 1 && v <= Double(session.cells.count): range = Int(v)...Int(v)
        case .range(let lo, let hi) where lo >= 1 && hi >= lo && hi <= session.cells.count: range = lo...hi
        default: throw ShellError("rerun takes a cell number or range like 3..6", at: a.span)
        }
        guard range.upperBound <= session.cells.count else {
            throw ShellError("cell \(range.upperBound) does not exist; this session has cells 1…\(session.cells.count)", at: a.span)
        }
    }
    func run(_ session: Session) throws -> String {
        let lines = range.map { session.cells[$0 - 1] }.filter { !$0.input.hasPrefix("rerun") && !$0.isProse }.map(\.input)
        session.suppressCurrentCell = true
        for l in lines {
            session.emitReplayOutput("> \(l)")
            session.run(l)
        }
        return ""
    }
}

/// `undo`: reverts the last model-changing command (add, model new/load/reuse, compile, set trainable).
struct UndoCommand: Command {
    static let spec = CommandSpec(name: "undo", summary: "revert the last add, compile, model or set command", usage: "undo",
                                  discussion: "Training (fit) is not undone; save the model first if you may want it back.",
                                  examples: ["undo"], category: "notebook")
    init(_ args: inout Arguments, session: Session) throws {}
    func run(_ session: Session) throws -> String {
        guard let last = session.undoStack.popLast() else { throw ShellError("nothing to undo") }
        last.restore()
        return "undid: \(last.description)"
    }
}

/// `note TEXT` (or a line starting with `#`): prose in the transcript.
struct NoteCommand: Command {
    static let spec = CommandSpec(name: "note", summary: "add prose to the transcript (or start a line with #)", usage: "note TEXT",
                                  examples: ["note BN makes the deep net train much faster", "# ## A heading"], category: "notebook")
    let text: String
    init(_ args: inout Arguments, session: Session) throws {
        text = String(args.line.source.drop(while: { $0 == " " }).dropFirst(4)).trimmingCharacters(in: .whitespaces)
        while args.nextArgument() != nil {}
    }
    func run(_ session: Session) throws -> String {
        session.suppressCurrentCell = true
        session.appendProse(text)
        return ""
    }
}

/// `save session [PATH]`: writes the transcript (atomically).
struct SaveCommand: Command {
    static let spec = CommandSpec(name: "save", summary: "save the session as a Markdown transcript", usage: "save session [PATH] [title=TEXT]",
                                  discussion: "The transcript is Markdown: prose as is, each cell a ```gradlab block with `> command` then its output. `replay PATH --check` re-runs it and compares. Without a PATH it goes to sessions/session-DATE-HHMM.md (local time; -2, -3… when taken).",
                                  keys: [KeySpec("title", "a title line")], positional: .words(["session"]),
                                  examples: ["save session", "save session sessions/bn-demo"], category: "notebook")
    let path: String?
    let title: String?
    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("save what? `save session [PATH]` (models: `model save PATH`)") }
        _ = try Arguments.choice(a, name: "save", from: ["session"])
        path = try args.string("path", positional: true)
        title = try args.string("title")
    }
    func run(_ session: Session) throws -> String {
        var p = path ?? DefaultFileName.free(in: session.sessionsDirectory, stem: "session", extension: "md")
        if (p as NSString).pathExtension.isEmpty { p += ".md" }
        p = try session.writablePath(p)
        let t = Transcript(cells: session.cells, title: title)
        do { try t.write(to: p) } catch { throw ShellError("cannot write \(p): \(error.localizedDescription)") }
        return "saved \(plural(t.entries.count, "cell")) to \(p)"
    }
}

/// `replay PATH [--check] [--step]`.
struct ReplayCommand: Command {
    static let spec = CommandSpec(name: "replay", summary: "re-run a saved transcript (--check compares outputs, --step pauses)",
                                  usage: "replay PATH [--check] [--step]",
                                  discussion: "Numbers compare within the transcript's tolerance; timings are masked. A cell marked `nocheck` runs without comparison. Only gradlab commands run, and files are written only inside the transcript's folder or sessions/.",
                                  positional: .paths, examples: ["replay tutorials/01-vanishing-gradients.md --check"], category: "notebook")
    let path: String
    let check: Bool
    let step: Bool
    init(_ args: inout Arguments, session: Session) throws {
        guard let p = try args.string("path", positional: true) else { throw ShellError("replay needs a transcript PATH") }
        path = p
        check = args.flag("check")
        step = args.flag("step")
        for f in args.line.flags where !["check", "step"].contains(f.name) {
            throw ShellError("unknown flag --\(f.name); accepted: --check, --step", at: f.span)
        }
        guard session.replayDepth == 0 else { throw ShellError("a replayed transcript cannot replay another") }
    }
    func run(_ session: Session) throws -> String {
        let t = try Transcript.load(path)
        guard !t.entries.isEmpty else { throw ShellError("\(path) has no ```gradlab blocks, so there is nothing to replay") }
        session.suppressCurrentCell = true
        let report = Replayer.replay(t, path: path, in: session, check: check, step: step ? session.stepper : nil)
        return Replayer.summary(report)
    }
}

/// `tutorial list | open N`.
struct TutorialCommand: Command {
    static let spec = CommandSpec(name: "tutorial", summary: "list the tutorials, or replay one step by step",
                                  usage: "tutorial list | tutorial open N|PATH [--check]",
                                  discussion: "`tutorial open` takes a number from `tutorial list` or the path of any transcript (a teacher's new material, say).",
                                  positional: .words(["list", "open"]),
                                  examples: ["tutorial list", "tutorial open 1", "tutorial open my-lesson.md"], category: "notebook")
    enum Target { case number(Int), path(String) }
    let open: Target?
    let check: Bool
    init(_ args: inout Arguments, session: Session) throws {
        let w = try args.choice("action", positional: true, from: ["list", "open"], default: "list")!
        if w == "open" {
            guard let a = args.nextArgument() else { throw ShellError("tutorial open needs a number or a path; see `tutorial list`") }
            if case .number(let v, _) = a.value {
                guard v == v.rounded(), v >= 1, v <= 999 else { throw ShellError("tutorial numbers run from 1; see `tutorial list`", at: a.span) }
                open = .number(Int(v))
            } else {
                open = .path(a.value.text.replacingOccurrences(of: "\"", with: ""))
            }
        } else {
            open = nil
        }
        check = args.flag("check")
    }

    static func files(_ session: Session) -> [String] {
        let dir = session.tutorialsDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".md") && $0.first?.isNumber == true }.sorted().map { dir + "/" + $0 }
    }

    func run(_ session: Session) throws -> String {
        let files = TutorialCommand.files(session)
        if case .path? = open {} else if files.isEmpty { return "no tutorials found in \(session.tutorialsDirectory)" }
        if let target = open {
            let file: String
            switch target {
            case .number(let n):
                guard n <= files.count else { throw ShellError("tutorial \(n) does not exist; there are \(files.count)") }
                file = files[n - 1]
            case .path(let p): file = session.readablePath(p)
            }
            let t = try Transcript.load(file)
            guard !t.entries.isEmpty else { throw ShellError("\(file) has no ```gradlab blocks, so there is nothing to follow") }
            session.suppressCurrentCell = true
            let report = Replayer.replay(t, path: file, in: session, check: check, step: session.isTerminal ? session.stepper : nil)
            return Replayer.summary(report)
        }
        return files.enumerated().map { i, f in
            let title = (try? Transcript.load(f))?.title ?? (f as NSString).lastPathComponent
            return String(format: "%2d  ", i + 1) + title + "  (" + (f as NSString).lastPathComponent + ")"
        }.joined(separator: "\n")
    }
}
