import CReadline
import Foundation
import GradShell

/// GNU readline with gradlab's completion and a persistent history file.
enum LineEditor {
    nonisolated(unsafe) static var session: Session?
    nonisolated(unsafe) static var matches: [String] = []
    static let historyPath: String = ProcessInfo.processInfo.environment["GRADLAB_HISTORY"]
        ?? (NSHomeDirectory() + "/.gradlab_history")

    static func setUp(session: Session) {
        self.session = session
        rl_readline_name = UnsafePointer(strdup("gradlab"))
        rl_catch_signals = 0
        rl_completer_word_break_characters = UnsafePointer(strdup(" \t"))
        rl_attempted_completion_function = { text, start, end in
            guard let text else { return nil }
            rl_attempted_completion_over = 1
            let line = String(cString: rl_line_buffer).prefix(Int(end))
            LineEditor.matches = Completer.complete(String(line), session: LineEditor.session)
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
        using_history()
        stifle_history(2000)
        read_history(historyPath)
    }

    /// One line, or nil at end of input (Ctrl-D).
    static func readLine(prompt: String) -> String? {
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

    /// Clears the line being typed after Ctrl-C at the prompt.
    static func interruptAtPrompt() {
        let msg = "^C (press Ctrl-C again within a second to quit, or type quit)\n"
        _ = msg.withCString { write(1, $0, strlen($0)) }
        rl_replace_line("", 0)
        rl_on_new_line()
        rl_redisplay()
    }
}
