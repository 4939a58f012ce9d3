import CReadline
import Foundation

/// SIGINT handling. The handler only sets flags and reads the monotonic clock
/// (`now()`: clock_gettime and arithmetic, both async-signal-safe); it is installed without SA_RESTART so a blocked
/// read returns and readline calls `rl_signal_event_hook`, where the prompt is
/// handled in normal context.
///
/// During a command, long computations poll the flag and stop after the
/// current step. At the prompt, quitting takes two presses at an *idle*
/// prompt: presses that arrive while a command runs or within a moment of it
/// stopping (people press Ctrl-C three times to stop training) never count.
enum Signals {
    nonisolated(unsafe) static var interrupted: Int32 = 0
    nonisolated(unsafe) static var pending: Int32 = 0
    nonisolated(unsafe) static var atPrompt: Int32 = 0
    /// Monotonic seconds of the last press at an idle prompt (0: none counts).
    nonisolated(unsafe) static var lastPromptInterrupt: Double = 0
    /// Monotonic seconds of the last press while a command ran.
    nonisolated(unsafe) static var lastBusyInterrupt: Double = 0
    /// Monotonic seconds when the current prompt appeared.
    nonisolated(unsafe) static var promptShown: Double = 0
    /// Whether Ctrl-C stopped the command before the current prompt.
    nonisolated(unsafe) static var stoppedCommand = false
    /// Presses within this many seconds of a press during a command, or of the
    /// prompt appearing, belong to the same burst and are ignored.
    static let burstSeconds = 1.5
    /// The second idle press must come within this many seconds of the first.
    static let quitWindow = 1.0
    /// Runs before the process exits on Ctrl-C (autosave, where the work is).
    nonisolated(unsafe) static var onQuit: () -> Void = {}

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func install() {
        // Touch every static the handler uses, so none is first initialised inside it.
        interrupted = 0; pending = 0; atPrompt = 0; lastBusyInterrupt = 0
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            Signals.interrupted = 1
            Signals.pending = 1
            if Signals.atPrompt == 0 {
                Signals.lastBusyInterrupt = Signals.now()   // clock_gettime is async-signal-safe
                // write(2) is async-signal-safe; the message is a static C string.
                let msg: StaticString = "\n^C - stopping after the current step...\n"
                _ = write(2, msg.utf8Start, msg.utf8CodeUnitCount)
            }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    /// Called as a prompt is shown: presses from the command before are forgotten.
    static func promptAppears() {
        pending = 0
        stoppedCommand = lastBusyInterrupt > promptShown
        promptShown = now()
    }

    /// Called from readline's event hooks, outside the signal handler.
    static func handleAtPrompt() {
        guard pending != 0 else { return }
        pending = 0
        interrupted = 0
        let t = now()
        defer {
            rl_replace_line("", 0)
            rl_on_new_line()
            rl_redisplay()
        }
        if t - lastBusyInterrupt < burstSeconds || (stoppedCommand && t - promptShown < burstSeconds) {
            // The tail of a burst that stopped a command: it must not count toward quitting.
            lastPromptInterrupt = 0
            FileHandle.standardOutput.write(Data("^C (the command was stopped; type quit, or press Ctrl-C twice, to leave)\n".utf8))
            return
        }
        if lastPromptInterrupt > 0 && t - lastPromptInterrupt < quitWindow {
            print("")
            onQuit()
            exit(130)
        }
        lastPromptInterrupt = t
        FileHandle.standardOutput.write(Data("^C (press Ctrl-C again within a second to quit, or type quit)\n".utf8))
    }
}
