import Foundation
import GradNN

/// `resume [list | N | PATH]`: brings back a previous session from its autosave.
public struct ResumeCommand: Command {
    public static let spec = CommandSpec(
        name: "resume", summary: "bring back a previous session (its cells, data, model and generator)",
        usage: "resume | resume list | resume N | resume PATH",
        discussion:
            "Every interactive session saves itself after each cell in its own folder under sessions/autosave/ (the last \(Autosave.kept) are kept). `resume` alone brings back the most recent one other than this session; `resume list` shows them; `resume N` picks from that list. The model comes back with its weights and optimizer state and the random generator where it was, so training continues exactly as it would have. The session you resume from is left as it is; this session's own cells stay in its folder. `gradlab --resume` does the same at start.",
        positional: .paths,
        examples: ["resume", "resume list", "resume 2", "resume sessions/autosave/2026-12-01-091500-4242"],
        category: "notebook")

    enum Action {
        case latest, list
        case index(Int)
        case path(String)
    }
    let action: Action

    public init(_ args: inout Arguments, session: Session) throws {
        guard session.replayDepth == 0 else { throw ShellError("a replayed transcript cannot resume a session") }
        guard let a = args.nextArgument() else {
            action = .latest
            return
        }
        switch a.value {
        case .number(let v, _) where v == v.rounded() && v >= 1 && v <= 1000: action = .index(Int(v))
        case .word("list"): action = .list
        default:
            let text = a.value.text.replacingOccurrences(of: "\"", with: "")
            guard !text.isEmpty else {
                throw ShellError("resume takes `list`, a number from `resume list`, or a folder", at: a.span)
            }
            action = .path(text)
        }
    }

    /// Previous sessions, newest first, without this one.
    public static func candidates(_ session: Session) -> [Autosave.Summary] {
        let mine = session.autosave.map { URL(fileURLWithPath: $0.folder).standardizedFileURL.path }
        return Autosave.list(sessionsDirectory: session.sessionsDirectory).filter {
            URL(fileURLWithPath: $0.folder).standardizedFileURL.path != mine && $0.cells > 0
        }
    }

    public func run(_ session: Session) throws -> String {
        let list = ResumeCommand.candidates(session)
        let folder: String
        switch action {
        case .list:
            guard !list.isEmpty else { return "no saved sessions in \(Autosave.root(session.sessionsDirectory))" }
            return list.enumerated().map { i, s in String(format: "%2d  ", i + 1) + s.line + "\n    " + s.folder }
                .joined(separator: "\n")
        case .latest:
            guard let first = list.first else {
                throw ShellError("no saved session to resume in \(Autosave.root(session.sessionsDirectory))")
            }
            folder = first.folder
        case .index(let n):
            guard n <= list.count else {
                throw ShellError(
                    "there \(list.count == 1 ? "is 1 saved session" : "are \(list.count) saved sessions"); see `resume list`"
                )
            }
            folder = list[n - 1].folder
        case .path(let p):
            folder = (p as NSString).expandingTildeInPath
        }
        // This session's own work stays in its folder and the resumed one continues in a new
        // folder; a session with nothing to lose gives its folder to the resumed one.
        var earlier: Autosave? = nil
        if let a = session.autosave {
            if session.model == nil && session.data == nil && !session.cells.contains(where: \.isProse) {
                a.discard()
            } else if !session.cells.isEmpty {
                a.write(session, ended: true)
                earlier = a
            }
        }
        var report = try Autosave.restore(from: folder, into: session)
        if let earlier {
            let next = Autosave(sessionsDirectory: session.sessionsDirectory)
            session.autosave = next
            report += "\nthe cells typed before are kept in \(earlier.folder)/; this session now saves itself to \(next.folder)/"
        }
        session.suppressCurrentCell = true
        return report + "\nnext cell: [\(session.cells.count + 1)]"
    }
}
