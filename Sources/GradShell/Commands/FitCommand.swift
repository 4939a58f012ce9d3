import Foundation
import GradNN

/// `fit epochs=N batch_size=B [callbacks=…] [track=gradients]`: trains, with a
/// Keras-style progress bar; Ctrl-C stops after the current batch, and the
/// output says where, so a replay of the transcript stops there too.
struct FitCommand: Command {
    static let spec = CommandSpec(
        name: "fit", summary: "train for some epochs (Ctrl-C stops cleanly, keeping what was learned)",
        usage: "fit [epochs=1] [batch_size=32] [shuffle=true] [callbacks=early_stopping(…),reduce_lr_on_plateau(…),model_checkpoint(…),tensorboard(…),csv_logger(…),terminate_on_nan] [track=gradients]",
        discussion: "Validation uses the data's validation split. Callbacks as Keras: early_stopping(monitor=val_loss, patience=0, restore_best_weights=false), reduce_lr_on_plateau(monitor=val_loss, factor=0.1, patience=10, min_lr=0), model_checkpoint(path=sessions/best, monitor=val_loss, save_best_only=true), tensorboard(log_dir=sessions/logs, histogram_freq=0, update_freq=epoch) writes event files for `tensorboard --logdir` (update_freq=batch or N adds batch_loss every N steps; histogram_freq=N a histogram of every variable every N epochs), csv_logger(path, separator=\",\", append=false) writes one CSV row per epoch, terminate_on_nan says so in Keras' words at the first NaN or Inf loss, lr_scheduler(\"EXPR\", verbose=0) sets the rate before each epoch to a Python expression of epoch (from 0 in this fit) and lr, as Keras' LearningRateScheduler with the book's functions: \"0.01 * 0.1 ** (epoch / 20)\", \"lr * 0.1 ** (1 / 20)\", \"0.01 if epoch < 5 else 0.005 if epoch < 15 else 0.001\". A NaN or Inf loss stops training, rolls the model and optimizer back to the last finite step and says why. Ctrl-C stops after the current step and keeps the weights learned so far; that partial epoch is shown but neither validated nor added to the history, and a replay of the transcript stops at the same step.",
        keys: [KeySpec("epochs", "number of passes over the training data"),
               KeySpec("batch_size", "samples per gradient step (default 32)"),
               KeySpec("shuffle", "shuffle before each epoch (default true)", .words(["true", "false"])),
               KeySpec("validation_split", "validate on this fraction of the training split, taken from its end (as Keras), for this fit only"),
               KeySpec("callbacks", "early_stopping(…), reduce_lr_on_plateau(…), model_checkpoint(…), tensorboard(…), csv_logger(…), terminate_on_nan, lr_scheduler(\"…\")", .words(callbackNames)),
               KeySpec("track", "gradients: record per-layer gradient norms after every epoch", .words(["gradients"])),
               KeySpec("verbose", "0 silent, 1 progress (default)", .words(["0", "1"]))],
        examples: ["fit epochs=3 batch_size=32", "fit epochs=100 callbacks=early_stopping(patience=10, restore_best_weights=true)"],
        category: "train")
    static let callbackNames = ["early_stopping", "reduce_lr_on_plateau", "model_checkpoint",
                                "tensorboard", "csv_logger", "terminate_on_nan", "lr_scheduler"]
    let epochs: Int
    let batchSize: Int
    let shuffle: Bool
    let callbackSpecs: [Argument]
    /// Keras' `fit(validation_split=F)`: the last F of the training split validates, for this fit.
    let validationSplit: Double?
    let trackGradients: Bool
    let verbose: Bool

    init(_ args: inout Arguments, session: Session) throws {
        epochs = try args.int("epochs", positional: true, default: 1, range: 1...100_000)!
        batchSize = try args.int("batch_size", default: 32, range: 1...1_000_000)!
        shuffle = try args.bool("shuffle", default: true)
        if let a = args.keyword("validation_split") {
            _ = try Arguments.float(a, name: "validation_split", range: 0.0001...0.9999)
            // The number as typed, in double precision as Python has it (0.1 is not float32's 0.1).
            guard case .number(let f, _) = a.value else { throw ShellError("validation_split must be a number", at: a.span) }
            validationSplit = f
        } else {
            validationSplit = nil
        }
        verbose = try args.int("verbose", default: 1, range: 0...2)! > 0
        trackGradients = try args.choice("track", from: ["gradients", "none"], default: "none") == "gradients"
        if let c = args.keyword("callbacks") {
            if case .list(let items) = c.value { callbackSpecs = items.map { Argument(key: nil, value: $0, span: c.span) } }
            else { callbackSpecs = [c] }
            for spec in callbackSpecs { _ = try FitCommand.makeCallback(spec, session: session, dryRun: true) }
        } else {
            callbackSpecs = []
        }
    }

    static func makeCallback(_ a: Argument, session: Session, dryRun: Bool) throws -> Callback {
        guard let n = ValueParsing.name(a.value) else { throw ShellError("a callback is a name like early_stopping(patience=10)", at: a.span) }
        let (pos, kw) = try ValueParsing.callArgs(a.value)
        let monitors = ["val_loss", "val_accuracy", "loss", "accuracy"]
        let monitor = try kw["monitor"].map { try Arguments.choice($0, name: "monitor", from: monitors) } ?? "val_loss"
        switch n {
        case "early_stopping":
            try ValueParsing.checkKeys(kw, allowed: ["monitor", "patience", "restore_best_weights"], in: n)
            return EarlyStopping(monitor: monitor, patience: try kw["patience"].map { try Arguments.int($0, name: "patience", range: 0...100_000) } ?? 0,
                                 restoreBestWeights: try kw["restore_best_weights"].map { try Arguments.bool($0, name: "restore_best_weights") } ?? false)
        case "reduce_lr_on_plateau":
            try ValueParsing.checkKeys(kw, allowed: ["monitor", "factor", "patience", "min_lr"], in: n)
            return ReduceLROnPlateau(monitor: monitor, factor: try ValueParsing.number(kw["factor"], "factor", default: 0.1, range: 1e-6...0.999999),
                                     patience: try kw["patience"].map { try Arguments.int($0, name: "patience", range: 0...100_000) } ?? 10,
                                     minLR: try ValueParsing.number(kw["min_lr"], "min_lr", default: 0, range: 0...1e6))
        case "model_checkpoint":
            try ValueParsing.checkKeys(kw, allowed: ["path", "filepath", "monitor", "save_best_only"], in: n)
            let pathArg = kw["path"] ?? kw["filepath"]
            let path = try session.writablePath(pathArg.map { $0.value.text.replacingOccurrences(of: "\"", with: "") } ?? session.sessionsDirectory + "/best")
            let best = try kw["save_best_only"].map { try Arguments.bool($0, name: "save_best_only") } ?? true
            return ModelCheckpoint(monitor: monitor, saveBestOnly: best) { m in
                try ModelStore.save(m, to: path)
                return path
            }
        case "tensorboard":
            try ValueParsing.checkKeys(kw, allowed: ["log_dir", "histogram_freq", "update_freq"], in: n)
            if pos.count > 1 {
                throw ShellError("tensorboard() takes one folder: tensorboard(log_dir=sessions/logs)", at: pos[1].span)
            }
            let dirText = (kw["log_dir"] ?? pos.first).map { $0.value.text.replacingOccurrences(of: "\"", with: "") }
            let dir = try session.writablePath(dirText ?? session.sessionsDirectory + "/logs")
            var freq = TensorBoard.UpdateFrequency.epoch
            if let f = kw["update_freq"], ValueParsing.name(f.value) != "epoch" {
                let batch = ValueParsing.name(f.value) == "batch"
                freq = .steps(batch ? 1 : try Arguments.int(f, name: "update_freq", range: 1...1_000_000_000))
            }
            let histogramFreq = try kw["histogram_freq"].map {
                try Arguments.int($0, name: "histogram_freq", range: 0...100_000)
            }
            let tb = TensorBoard(logDir: dir, histogramFreq: histogramFreq ?? 0, updateFreq: freq)
            if !dryRun {
                do { try tb.open() } catch { throw ShellError("tensorboard: \(error)", at: a.span) }
            }
            return tb
        case "csv_logger":
            try ValueParsing.checkKeys(kw, allowed: ["path", "filename", "separator", "append"], in: n)
            if pos.count > 1 {
                throw ShellError("csv_logger() takes one file: csv_logger(sessions/training.csv)", at: pos[1].span)
            }
            guard let p = kw["path"] ?? kw["filename"] ?? pos.first else {
                throw ShellError("csv_logger needs a file: csv_logger(path=sessions/training.csv)", at: a.span)
            }
            let append = try kw["append"].map { try Arguments.bool($0, name: "append") } ?? false
            let separator = kw["separator"].map { $0.value.text.replacingOccurrences(of: "\"", with: "") } ?? ","
            guard !separator.isEmpty else { throw ShellError("csv_logger's separator cannot be empty", at: a.span) }
            let path = try session.writablePath(p.value.text.replacingOccurrences(of: "\"", with: ""))
            let logger = CSVLogger(path: path, separator: separator, append: append)
            if !dryRun {
                do { try logger.open() } catch { throw ShellError("csv_logger: \(error)", at: a.span) }
            }
            return logger
        case "terminate_on_nan":
            try ValueParsing.checkKeys(kw, allowed: [], in: n)
            if let p = pos.first { throw ShellError("terminate_on_nan takes no arguments", at: p.span) }
            return TerminateOnNaN()
        case "lr_scheduler", "learning_rate_scheduler":
            try ValueParsing.checkKeys(kw, allowed: ["schedule", "verbose"], in: n)
            if pos.count > 1 { throw ShellError("\(n)() takes one expression, in quotes: \(n)(\"0.01 * 0.1 ** (epoch / 20)\")", at: pos[1].span) }
            guard let e = kw["schedule"] ?? pos.first, case .string(let text) = e.value else {
                throw ShellError("\(n) needs the new rate as an expression of epoch and lr, in quotes: \(n)(\"0.01 * 0.1 ** (epoch / 20)\")", at: a.span)
            }
            let expression: RateExpression
            do { expression = try RateExpression(text) } catch let err as ComponentError { throw ShellError(err.message, at: e.span) }
            let verbose = try kw["verbose"].map { try Arguments.int($0, name: "verbose", range: 0...1) } ?? 0
            return LearningRateScheduler(expression, verbose: verbose == 1)
        default:
            throw ShellError("'\(n)' is not a callback" + Suggestions.hint(for: n, in: callbackNames), at: a.span)
        }
    }

    func run(_ session: Session) throws -> String {
        let m = try session.requireCompiled()
        var d = try session.requireData(for: m)
        guard d.train.count > 0 else { throw ShellError("the training split is empty") }
        if let f = validationSplit {
            // Keras: x[:int(n · (1 − f))] trains, the rest validates (instead of validation_data).
            let n = d.train.count, held = n - Int(Double(n) * (1 - f))
            guard held > 0, held < n else {
                throw ShellError("validation_split=\(f) of \(plural(n, "training sample")) leaves \(held == 0 ? "no sample to validate on" : "nothing to train on")")
            }
            do { d = try d.withValidation(last: held) } catch let e as DataError { throw ShellError(e.message) }
        }
        for spec in callbackSpecs {
            guard let s = try FitCommand.makeCallback(spec, session: session, dryRun: true) as? LearningRateScheduler,
                  let opt = m.optimizer else { continue }
            if opt.schedule != nil {
                throw ShellError("lr_scheduler sets the rate each epoch, but the optimizer was compiled with the schedule \(opt.schedule!.description); compile with a number (as Keras, which refuses to set a scheduled rate)", at: spec.span)
            }
            if case .failure(let e) = s.rates(epochs: epochs, from: opt.learningRate) { throw ShellError(e.message, at: spec.span) }
        }
        let callbacks = try callbackSpecs.map { try FitCommand.makeCallback($0, session: session, dryRun: false) }
        let bar = ProgressBar(width: session.width)
        let interactive = session.isTerminal && verbose
        var lastDraw = Date.distantPast
        var rng = session.rng
        let started = Date()
        var epochLines: [String] = []
        var interruption = ""
        let stopAfter = session.fitStopAfter
        session.fitStopAfter = nil
        let options = FitOptions(epochs: epochs, batchSize: batchSize, shuffle: shuffle, callbacks: callbacks, stopAfter: stopAfter)
        let stop = m.fit(train: d.train, validation: d.validation, options: options,
                         rng: &rng, shouldStop: session.interruptRequested) { event in
            switch event {
            case .epochBegin(let e, let total, _):
                if verbose { session.emit("Epoch \(e)/\(total)") }
            case .batchEnd(_, let step, let steps, let loss, let acc, let elapsed):
                if interactive, step == steps || Date().timeIntervalSince(lastDraw) > 0.1 {
                    lastDraw = Date()
                    // One terminal row at most, so "\r" can redraw it in place.
                    session.progress(String(bar.line(step: step, steps: steps, elapsed: elapsed, metrics: [("loss", loss), ("accuracy", acc)]).prefix(max(10, session.width - 1))))
                }
            case .epochEnd(let logs, _):
                session.timing(String(format: "fit epoch=%d seconds=%.6f", logs.epoch, logs.seconds))
                var metrics: [(String, Double)] = [("loss", logs.loss), ("accuracy", logs.accuracy)]
                if let v = logs.valLoss { metrics.append(("val_loss", v)) }
                if let v = logs.valAccuracy { metrics.append(("val_accuracy", v)) }
                let line = bar.line(step: logs.steps, steps: logs.steps, elapsed: logs.seconds, metrics: metrics, final: true)
                if interactive { session.progress("") }
                if verbose { session.emit(line) }
                epochLines.append(line)
                if trackGradients {
                    var r = session.rng
                    if let rows = try? GradientsCommand.measure(session: session, model: m, data: d, batch: 256, rng: &r) {
                        session.gradientHistory.append((logs.epoch, rows))
                    }
                }
            case .interrupted(let partial, let epoch, let steps):
                if interactive { session.progress("") }
                if verbose {
                    session.emit(bar.line(step: partial.steps, steps: steps, elapsed: partial.seconds,
                                          metrics: [("loss", partial.loss), ("accuracy", partial.accuracy)], final: true))
                }
                interruption = FitCommand.interruptionLine(at: FitPosition(epoch: epoch, step: partial.steps), steps: steps,
                                                           completeEpochs: m.history.epochs.count, validated: d.validation != nil)
            case .message(let s):
                if interactive { session.progress("") }
                session.emit(s)
            }
        }
        session.rng = rng
        session.exerciseTraining.record(m.history.epochs.suffix(epochLines.count), data: session.dataRecipe)
        session.clearInterrupt()
        session.timing(String(format: "fit seconds=%.6f", Date().timeIntervalSince(started)))
        switch stop {
        case .nonFinite:
            return "training stopped at the first non-finite value (see above); the model and optimizer are at the last finite step"
        case .interrupted:
            return interruption
        default:
            return ""
        }
    }

    /// The line that records where a `fit` was interrupted. It starts with
    /// `interrupted at epoch E, step S/N` (E counted from this call's first
    /// epoch), which `recordedStop(in:)` reads back when a transcript replays.
    static func interruptionLine(at p: FitPosition, steps: Int, completeEpochs: Int, validated: Bool) -> String {
        "interrupted at epoch \(p.epoch), step \(p.step)/\(steps): the partial epoch is not in the history "
            + "(\(completeEpochs) complete epoch\(completeEpochs == 1 ? "" : "s"))"
            + (validated ? " and its validation was not run" : "") + "; the weights learned so far are kept"
    }

    /// Where a recorded `fit` was interrupted, from its output's `interrupted at epoch E, step S/N` line.
    static func recordedStop(in output: String) -> FitPosition? {
        for line in output.split(separator: "\n").reversed() where line.hasPrefix("interrupted at epoch ") {
            let words = line.dropFirst("interrupted at epoch ".count).split(separator: " ")
            guard words.count >= 3, words[0].hasSuffix(","), words[1] == "step",
                  let epoch = Int(words[0].dropLast()), let step = Int(words[2].prefix { $0.isNumber }),
                  epoch > 0, step > 0 else { continue }
            return FitPosition(epoch: epoch, step: step)
        }
        return nil
    }
}
