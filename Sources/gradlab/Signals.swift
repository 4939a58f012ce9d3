import Foundation

/// SIGINT handling: during a command, Ctrl-C sets a flag that long
/// computations poll (they stop after the current batch); at the prompt, a
/// second Ctrl-C within a second quits.
enum Signals {
    nonisolated(unsafe) static var interrupted: Int32 = 0
    nonisolated(unsafe) static var atPrompt: Int32 = 0
    nonisolated(unsafe) static var lastPromptInterrupt: Double = 0

    static func install() {
        signal(SIGINT) { _ in
            if Signals.atPrompt != 0 {
                let now = Date().timeIntervalSince1970
                if now - Signals.lastPromptInterrupt < 1.0 { _exit(130) }
                Signals.lastPromptInterrupt = now
                LineEditor.interruptAtPrompt()
            } else {
                Signals.interrupted = 1
                let msg = "\n^C — stopping after the current step…\n"
                _ = msg.withCString { write(2, $0, strlen($0)) }
            }
        }
    }
}
