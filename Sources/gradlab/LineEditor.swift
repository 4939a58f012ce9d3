import CReadline
import Foundation
import GradShell

/// GNU readline with gradlab's completion and a persistent history file.
enum LineEditor {
    nonisolated(unsafe) static var session: Session?
    nonisolated(unsafe) static var matches: [String] = []
    /// `GRADLAB_HISTORY`, else `$XDG_STATE_HOME/gradlab/history` when that is set, else `$HOME/.gradlab_history`.
    static let historyPath: String = {
        let env = ProcessInfo.processInfo.environment
        if let p = env["GRADLAB_HISTORY"], !p.isEmpty { return p }
        if let state = env["XDG_STATE_HOME"], state.hasPrefix("/") {
            try? FileManager.default.createDirectory(atPath: state + "/gradlab", withIntermediateDirectories: true)
            return state + "/gradlab/history"
        }
        if let home = env["HOME"], !home.isEmpty { return home + "/.gradlab_history" }
        return NSHomeDirectory() + "/.gradlab_history"
    }()

    static func setUp(session: Session) {
        self.session = session
        rl_readline_name = UnsafePointer(strdup("gradlab"))
        rl_catch_signals = 0
        rl_completer_word_break_characters = UnsafePointer(strdup(" \t"))
        rl_attempted_completion_function = { text, start, end in
            guard let text else { return nil }
            rl_attempted_completion_over = 1
            let line = String(cString: rl_line_buffer).prefix(Int(end))
            LineEditor.matches = Array(Completer.complete(String(line), session: LineEditor.session).prefix(200))
            if LineEditor.matches.isEmpty { return nil }
            if LineEditor.matches.count == 1, LineEditor.matches[0].hasSuffix("=") || LineEditor.matches[0].hasSuffix("/") {
                rl_completion_suppress_append = 1
            }
            return rl_completion_matches(text) { _, state in
                let i = Int(state)
                guard i < LineEditor.matches.count else { return nil }
                return strdup(LineEditor.matches[i])
            }
        }
        rl_signal_event_hook = { Signals.handleAtPrompt(); return 0 }
        // Also polled while waiting for keys, for a Ctrl-C that arrived outside read().
        rl_event_hook = { Signals.handleAtPrompt(); return 0 }
        // Never ask "Display all N possibilities?": completion lists are capped instead.
        rl_completion_query_items = -1
        using_history()
        stifle_history(2000)
        if !FileManager.default.fileExists(atPath: historyPath) {
            // append_history() does not create the file.
            FileManager.default.createFile(atPath: historyPath, contents: nil)
        }
        read_history(historyPath)
    }

    /// One line, or nil at end of input (Ctrl-D).
    static func readLine(prompt: String) -> String? {
        Signals.promptAppears()
        Signals.atPrompt = 1
        defer { Signals.atPrompt = 0 }
        guard let c = readline(prompt) else { return nil }
        defer { free(c) }
        let line = String(cString: c)
        if !line.trimmingCharacters(in: .whitespaces).isEmpty {
            add_history(c)
            append_history(1, historyPath)
            history_truncate_file(historyPath, 2000)
        }
        return line
    }
}
