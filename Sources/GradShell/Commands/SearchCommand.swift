import Foundation
import GradNN
import GradTensor
import CGemm

/// `search learning_rate=reciprocal(3e-4, 3e-2) trials=N epochs=E`: random
/// search, each trial a fresh copy of the current architecture; the best is kept.
struct SearchCommand: Command {
    static let spec = CommandSpec(
        name: "search", summary: "random search of the learning rate; keeps the best model",
        usage: "search learning_rate=reciprocal(LOW, HIGH) [trials=10] [epochs=5] [batch_size=32] [callbacks=…]",
        discussion: "Each trial rebuilds the current architecture with fresh weights, compiles it with the current optimizer at a sampled learning rate (reciprocal = log-uniform), trains and scores best val_accuracy. The best trial becomes the session's model.",
        keys: [KeySpec("learning_rate", "reciprocal(low, high) or a list 1e-3,1e-2", .words(["reciprocal"])),
               KeySpec("trials", "number of trials (default 10)"), KeySpec("epochs", "epochs per trial (default 5)"),
               KeySpec("batch_size", "default 32"),
               KeySpec("callbacks", "as for fit, e.g. early_stopping(patience=10)")],
        examples: ["search learning_rate=reciprocal(3e-4, 3e-2) trials=10 epochs=5"], category: "train")
    let rates: (Float, Float)?
    let list: [Float]?
    let trials: Int
    let epochs: Int
    let batchSize: Int
    let callbackSpecs: [Argument]

    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.keyword("learning_rate") else { throw ShellError("search needs learning_rate=reciprocal(3e-4, 3e-2)") }
        switch a.value {
        case .call("reciprocal", let p, _) where p.count == 2:
            let lo = try Arguments.float(p[0], name: "low", range: 1e-12...1e6), hi = try Arguments.float(p[1], name: "high", range: 1e-12...1e6)
            guard lo < hi else { throw ShellError("reciprocal(low, high) needs low < high", at: a.span) }
            rates = (lo, hi); list = nil
        case .list(let vs):
            list = try vs.map { try Arguments.float(Argument(key: nil, value: $0, span: a.span), name: "learning_rate", range: 1e-12...1e6) }
            rates = nil
        case .number:
            list = [try Arguments.float(a, name: "learning_rate", range: 1e-12...1e6)]; rates = nil
        default: throw ShellError("learning_rate must be reciprocal(low, high) or a list like 1e-3,1e-2", at: a.span)
        }
        trials = try args.int("trials", default: list?.count ?? 10, range: 1...1000)!
        epochs = try args.int("epochs", default: 5, range: 1...10_000)!
        batchSize = try args.int("batch_size", default: 32, range: 1...1_000_000)!
        if let c = args.keyword("callbacks") {
            if case .list(let items) = c.value { callbackSpecs = items.map { Argument(key: nil, value: $0, span: c.span) } } else { callbackSpecs = [c] }
            for s in callbackSpecs { _ = try FitCommand.makeCallback(s, session: session, dryRun: true) }
        } else { callbackSpecs = [] }
    }

    func run(_ session: Session) throws -> String {
        let base = try session.requireCompiled()
        let d = try session.requireData(for: base)
        guard let v = d.validation else { throw ShellError("search scores trials on validation data; load data with validation=N") }
        var rng = session.rng
        var best: (lr: Float, acc: Double, model: Sequential)? = nil
        var rows = [["trial", "learning_rate", "best val_accuracy", "epoch", "val_loss"]]
        for t in 0..<trials {
            let lr: Float
            if let list { lr = list[t % list.count] } else {
                let (lo, hi) = rates!
                lr = cgemm_expf(logf(lo) + (logf(hi) - logf(lo)) * rng.uniform())
            }
            let m = try ModelStore.freshCopy(of: base, rng: &rng)
            m.loss = base.loss
            m.optimizer = Optimizer(rule: base.optimizer!.rule, learningRate: lr, clipping: base.optimizer!.clipping)
            let callbacks = try callbackSpecs.map { try FitCommand.makeCallback($0, session: session, dryRun: false) }
            let epochsBefore = m.history.epochs.count
            let stop = m.fit(train: d.train, validation: v, options: FitOptions(epochs: epochs, batchSize: batchSize, callbacks: callbacks),
                             rng: &rng, shouldStop: session.interruptRequested)
            // Exploring trains too: it counts toward an exercise's epoch budget.
            session.exerciseTraining.record(m.history.epochs[epochsBefore...], data: session.dataRecipe)
            let accs = m.history.series("val_accuracy")
            let bestAcc = accs.max() ?? .nan
            let bestEpoch = (accs.firstIndex(of: bestAcc) ?? 0) + 1
            rows.append(["\(t + 1)", String(format: "%.3e", Double(lr)), String(format: "%.4f", bestAcc), "\(bestEpoch)",
                         String(format: "%.4f", m.history.last?.valLoss ?? .nan)])
            session.emit("trial \(t + 1)/\(trials): learning_rate=\(String(format: "%.3e", Double(lr))) best val_accuracy \(String(format: "%.4f", bestAcc))")
            if bestAcc.isFinite, best == nil || bestAcc > best!.acc { best = (lr, bestAcc, m) }
            if case .interrupted = stop { session.clearInterrupt(); session.emit("search interrupted; keeping the best trial so far"); break }
        }
        session.rng = rng
        var lines = Table.render(rows, rightAligned: [0, 1, 2, 3, 4])
        if let b = best {
            let old = session.model
            session.model = b.model
            session.pushUndo("search") { [unowned session] in session.model = old }
            lines.append(String(format: "best: learning_rate=%.3e with val_accuracy %.4f — now the session's model", Double(b.lr), b.acc))
        }
        return lines.joined(separator: "\n")
    }
}
