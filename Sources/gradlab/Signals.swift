import CReadline
import Foundation

/// SIGINT handling. The handler only sets a flag (async-signal-safe); it is
/// installed without SA_RESTART so a blocked read returns and readline calls
/// `rl_signal_event_hook`, where the prompt is cleared in normal context.
/// During a command, long computations poll the flag and stop after the
/// current step; at the prompt, a second Ctrl-C within a second quits.
enum Signals {
    nonisolated(unsafe) static var interrupted: Int32 = 0
    nonisolated(unsafe) static var pending: Int32 = 0
    nonisolated(unsafe) static var lastPromptInterrupt: Double = 0
    nonisolated(unsafe) static var atPrompt: Int32 = 0

    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            Signals.interrupted = 1
            Signals.pending = 1
            if Signals.atPrompt == 0 {
                // write(2) is async-signal-safe; the message is a static C string.
                let msg: StaticString = "\n^C - stopping after the current step...\n"
                _ = write(2, msg.utf8Start, msg.utf8CodeUnitCount)
            }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    /// Called from readline's event hook, outside the signal handler.
    static func handleAtPrompt() {
        guard pending != 0 else { return }
        pending = 0
        interrupted = 0
        let now = Date().timeIntervalSince1970
        if now - lastPromptInterrupt < 1.0 {
            print("")
            exit(130)
        }
        lastPromptInterrupt = now
        FileHandle.standardOutput.write(Data("^C (press Ctrl-C again within a second to quit, or type quit)\n".utf8))
        rl_replace_line("", 0)
        rl_on_new_line()
        rl_redisplay()
    }
}
