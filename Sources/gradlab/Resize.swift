import Foundation
import GradShell

/// SIGWINCH: the handler only sets a flag (async-signal-safe); the new width is
/// read with `ioctl` where output is drawn, through `Session.resizedWidth`, so a
/// progress bar is laid out again for the new width at its next redraw.
enum Resize {
    nonisolated(unsafe) static var changed: Int32 = 0

    /// Installs the handler and wires the session to it (interactive shells only).
    static func install(_ session: Session) {
        // Touch the flag first, so it is never first initialised inside the handler.
        changed = 0
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in Resize.changed = 1 }
        sigemptyset(&action.sa_mask)
        // A resize must never cut a read or a write short.
        action.sa_flags = SA_RESTART
        sigaction(SIGWINCH, &action, nil)
        session.resizedWidth = {
            guard Resize.changed != 0 else { return nil }
            Resize.changed = 0
            return Resize.columns()
        }
        session.onProgress = progressWriter(session)
    }

    /// The terminal's width, or nil when standard output is not a terminal (or is implausibly narrow).
    static func columns() -> Int? {
        var ws = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 20 else { return nil }
        return Int(ws.ws_col)
    }

    /// Redraws the live progress line in place; after the terminal got narrower
    /// it first clears every row the old line was reflowed onto.
    static func progressWriter(_ session: Session) -> (String) -> Void {
        var drawn = 0
        return { line in
            let text = ProgressBar.clearSequence(previousColumns: drawn, width: session.width) + line
            drawn = line.count
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
