import FuzzSupport
import Foundation
import GradNN
import GradTensor
@testable import GradShell

// Parser + Session.run on up to 4 lines (the input split at newlines) in a
// prepared session: moons data with a validation split, a compiled
// 4-layer model trained for one epoch. Each line must return (never trap);
// a line that fails must leave the session exactly as it was (model,
// weights, optimizer, data, random generator, undo stack…) and say `error:`.
// Writes are confined to a sandbox folder (writableRoots, as in replay);
// long commands are stopped after 0.1 s through interruptRequested.
//
// Kept cheap (about 125 executions per second before, 1,500 after, on one
// core of the shared VM): the data are 40 samples (32 train: one step per
// epoch); the pristine fingerprint is taken again after each rebuild (it
// holds object identities, and ASan does not reuse addresses soon: before,
// nearly every input after the first rebuild rebuilt the session again); a line's "before" is the previous line's checked
// state unless that line succeeded; the sandbox is wiped only when something
// was written to it; long commands stop after 0.1 s instead of 1 s.

let sandbox = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-fuzz-command-\(getpid())").path
nonisolated(unsafe) var deadline = Date.distantFuture

let setup = [
    "seed 42",
    "data moons n=40 validation=8",
    "model new",
    "add dense 8 activation=relu",
    "add batchnorm",
    "add dropout 0.2",
    "add dense 2 activation=softmax",
    "compile loss=sparse_categorical_crossentropy optimizer=adam metrics=accuracy",
    "fit epochs=1 batch_size=32 verbose=0",
]

/// Whether the sandbox holds anything but an empty `sessions` folder.
func sandboxWritten() -> Bool {
    (try? FileManager.default.contentsOfDirectory(atPath: sandbox))?.sorted() != ["sessions"]
        || (try? FileManager.default.contentsOfDirectory(atPath: sandbox + "/sessions"))?.isEmpty != true
}

func prepare() -> Session {
    if sandboxWritten() {
        try? FileManager.default.removeItem(atPath: sandbox)
        try! FileManager.default.createDirectory(atPath: sandbox + "/sessions", withIntermediateDirectories: true)
    }
    let s = Session(seed: 42, sessionsDirectory: sandbox + "/sessions")
    s.tutorialsDirectory = sandbox + "/tutorials"
    s.interruptRequested = { Date() > deadline }
    for line in setup {
        let c = s.run(line)
        if c.failed { fatalError("setup line failed: \(line): \(c.output)") }
    }
    s.writableRoots = [sandbox]
    s.resetCells()
    return s
}

/// Everything a failed command must leave alone (cells aside): the one
/// fingerprint the bad-input tests use too.
func fingerprint(_ s: Session) -> [String] { s.stateFingerprint() }

nonisolated(unsafe) var session = prepare()
/// The fingerprint of the freshly prepared session (object identities included, so it is
/// taken again after each rebuild).
nonisolated(unsafe) var pristine = fingerprint(session)

runFuzzer { bytes in
    // Lines as a terminal would deliver them: invalid UTF-8 repaired to U+FFFD.
    let text = String(decoding: bytes, as: UTF8.self)
    let lines = text.split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
    // Every input starts from the pristine session (see the end of this closure).
    var before: [String]? = pristine
    var succeeded = false
    for line in lines {
        let start = before ?? fingerprint(session)
        deadline = Date().addingTimeInterval(0.1)
        let cell = session.run(line)
        deadline = .distantFuture
        if cell.failed {
            if !cell.output.contains("error: ") { finding("failed without an error: line: \(line.debugDescription) output: \(cell.output)") }
            let after = fingerprint(session)
            if after != start {
                let diff = zip(start, after).filter { $0 != $1 }.map { "  \($0.0)\n→ \($0.1)" } + (start.count != after.count ? ["  \(start.count) → \(after.count) entries"] : [])
                finding("a failed command changed the session: \(line.debugDescription)\noutput: \(cell.output)\n" + diff.joined(separator: "\n"))
            }
            before = start
        } else {
            before = nil
            succeeded = true
        }
    }
    // Start the next input from the same state: rebuild after anything that
    // changed the session or wrote a file, else just forget the cells.
    // When every line failed, each was checked to leave the session as it was.
    if (succeeded && fingerprint(session) != pristine) || session.bnLastLook.count > 0 || !session.gradientHistory.isEmpty
        || sandboxWritten() {
        session = prepare()
        pristine = fingerprint(session)
    } else {
        session.resetCells()
    }
}
