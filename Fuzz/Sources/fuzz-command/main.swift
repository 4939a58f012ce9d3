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
// long commands are stopped after a second through interruptRequested.

let sandbox = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-fuzz-command-\(getpid())").path
nonisolated(unsafe) var deadline = Date.distantFuture

let setup = [
    "seed 42",
    "data moons n=200 validation=50",
    "model new",
    "add dense 8 activation=relu",
    "add batchnorm",
    "add dropout 0.2",
    "add dense 2 activation=softmax",
    "compile loss=sparse_categorical_crossentropy optimizer=adam metrics=accuracy",
    "fit epochs=1 batch_size=32 verbose=0",
]

func prepare() -> Session {
    try? FileManager.default.removeItem(atPath: sandbox)
    try! FileManager.default.createDirectory(atPath: sandbox + "/sessions", withIntermediateDirectories: true)
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

/// Everything a failed command must leave alone (cells aside).
func fingerprint(_ s: Session) -> [String] {
    var f: [String] = []
    var r = s.rng
    f.append("seed \(s.seed) rng \(r.next()) \(r.next())")
    if let d = s.data {
        f.append("data \(d.name) \(ObjectIdentifier(d.train.storage)) train \(d.train.range) valid \(String(describing: d.validation?.range)) test \(String(describing: d.test?.range)) classes \(d.classCount) \(d.classNames) std \(d.train.standardization != nil) shape \(d.sampleShape)")
    } else { f.append("no data") }
    if let m = s.model {
        f.append("model \(ObjectIdentifier(m)) input \(String(describing: m.inputShape)) loss \(String(describing: m.loss)) metrics \(m.metrics) frozen \(m.frozenNames.sorted()) history \(m.history.epochs.count)")
        for l in m.layers { f.append("layer \(l.name) \(l.typeName) built \(l.isBuilt) frozen \(l.isFrozen)") }
        for p in m.parameters {
            var h = Hasher()
            for i in 0..<p.value.count { h.combine(p.value[i].bitPattern) }
            f.append("param \(p.path) \(p.value.shape) trainable \(p.trainable) \(h.finalize())")
        }
        if let o = m.optimizer {
            var slots = Hasher()
            for p in m.parameters { for t in o.slots(of: p) { for i in 0..<t.count { slots.combine(t[i].bitPattern) } } }
            f.append("optimizer \(ObjectIdentifier(o)) \(o.description) lr \(o.learningRate.bitPattern) it \(o.iterations) schedule \(String(describing: o.schedule)) slots \(slots.finalize())")
        }
    } else { f.append("no model") }
    f.append("undo \(s.undoStack.count) exercise \(s.exercise != nil) gradients \(s.gradientHistory.count) bn \(s.bnLastLook.count)")
    f.append("roots \(String(describing: s.writableRoots)) sessions \(s.sessionsDirectory) quit \(s.shouldQuit) replay \(s.replayDepth)")
    return f
}

nonisolated(unsafe) var session = prepare()
let pristine = fingerprint(session)

runFuzzer { bytes in
    // Lines as a terminal would deliver them: invalid UTF-8 repaired to U+FFFD.
    let text = String(decoding: bytes, as: UTF8.self)
    let lines = text.split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
    for line in lines {
        let before = fingerprint(session)
        deadline = Date().addingTimeInterval(1)
        let cell = session.run(line)
        deadline = .distantFuture
        if cell.failed {
            if !cell.output.contains("error: ") { finding("failed without an error: line: \(line.debugDescription) output: \(cell.output)") }
            let after = fingerprint(session)
            if after != before {
                let diff = zip(before, after).filter { $0 != $1 }.map { "  \($0.0)\n→ \($0.1)" } + (before.count != after.count ? ["  \(before.count) → \(after.count) entries"] : [])
                finding("a failed command changed the session: \(line.debugDescription)\noutput: \(cell.output)\n" + diff.joined(separator: "\n"))
            }
        }
    }
    // Start the next input from the same state: rebuild after anything that
    // changed the session or wrote a file, else just forget the cells.
    if fingerprint(session) != pristine || session.bnLastLook.count > 0 || !session.gradientHistory.isEmpty
        || (try? FileManager.default.contentsOfDirectory(atPath: sandbox))?.sorted() != ["sessions"]
        || (try? FileManager.default.contentsOfDirectory(atPath: sandbox + "/sessions"))?.isEmpty == false {
        session = prepare()
    } else {
        session.resetCells()
    }
}
