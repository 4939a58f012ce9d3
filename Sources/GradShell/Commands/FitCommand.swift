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
    static let callbackNames = CallbackRegistry.names
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

    /// A callback as written (see `CallbackRegistry`); files are opened unless `dryRun`.
    static func makeCallback(_ a: Argument, session: Session, dryRun: Bool) throws -> Callback {
        let paths = CallbackRegistry.Paths(writable: { try session.writablePath($0) },
                                           checkpoint: session.sessionsDirectory + "/best", logs: session.sessionsDirectory + "/logs")
        let cb = try ValueParsing.parsing(a) { try CallbackRegistry.make($0, paths: paths) }
        if !dryRun { try open(cb, a) }
        return cb
    }

    /// Opens a callback's files (TensorBoard's, CSVLogger's) just before training.
    static func open(_ cb: Callback, _ a: Argument) throws {
        guard let f = cb as? FileCallback else { return }
        do { try f.open() } catch { throw ShellError("\(ValueParsing.name(a.value) ?? "callback"): \(error)", at: a.span) }
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
        // Made once, checked, and only then their files opened: a refused fit creates no file.
        let callbacks = try callbackSpecs.map { try FitCommand.makeCallback($0, session: session, dryRun: true) }
        for (spec, cb) in zip(callbackSpecs, callbacks) {
            guard let s = cb as? LearningRateScheduler, let opt = m.optimizer else { continue }
            if opt.schedule != nil {
                throw ShellError("lr_scheduler sets the rate each epoch, but the optimizer was compiled with the schedule \(opt.schedule!.description); compile with a number (as Keras, which refuses to set a scheduled rate)", at: spec.span)
            }
            if case .failure(let e) = s.rates(epochs: epochs, from: opt.learningRate) { throw ShellError(e.message, at: spec.span) }
        }
        for (spec, cb) in zip(callbackSpecs, callbacks) { try FitCommand.open(cb, spec) }
        let showsRate = callbacks.contains { $0 is LearningRateScheduler || $0 is ReduceLROnPlateau }
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
                // Keras 3's LearningRateScheduler and ReduceLROnPlateau add the epoch's rate to the logs.
                if showsRate { metrics.append(("learning_rate", logs.learningRate)) }
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
