import Foundation

/// A callback that writes files, opened just before training (a dry run,
/// checking a command, does not create them).
public protocol FileCallback: Callback {
    func open() throws
}

extension TensorBoard: FileCallback {}
extension CSVLogger: FileCallback {}

/// Every `fit` callback as written, `early_stopping(patience=10)`, with
/// Keras' argument names and defaults: the one parser `fit`, `search` and the
/// exports share. Paths go through `writable` (the shell's sandbox).
public enum CallbackRegistry {
    public static let names = ["early_stopping", "reduce_lr_on_plateau", "model_checkpoint", "tensorboard", "csv_logger",
                               "terminate_on_nan", "lr_scheduler"]

    /// Where files go: `writable` resolves (or refuses) a path, and the defaults
    /// are those of the session's folder.
    public struct Paths {
        public var writable: (String) throws -> String
        public var checkpoint: String
        public var logs: String

        public init(writable: @escaping (String) throws -> String, checkpoint: String, logs: String) {
            self.writable = writable
            self.checkpoint = checkpoint
            self.logs = logs
        }
    }

    public static func make(_ c: ComponentCall, paths: Paths) throws -> Callback {
        typealias Args = [String: (value: ComponentCall.Argument, span: Range<Int>?)]
        func int(_ a: Args, _ key: String, _ d: Int, _ range: ClosedRange<Int>) throws -> Int {
            let v = try c.number(key, in: a, default: Float(d), range: Double(range.lowerBound)...Double(range.upperBound))
            guard v == v.rounded() else { throw ComponentError("\(c.name)(): \(key) is a whole number", at: a[key]?.span ?? c.span) }
            return Int(v)
        }
        func flag(_ a: Args, _ key: String, _ d: Bool) throws -> Bool {
            try c.word(key, in: a, default: d ? "true" : "false", from: ["true", "false"]) == "true"
        }
        func monitor(_ a: Args) throws -> String {
            try c.word("monitor", in: a, default: "val_loss", from: ["val_loss", "val_accuracy", "loss", "accuracy"])
        }
        func text(_ a: Args, _ key: String) -> String? { a[key].map(\.value.text) }
        switch c.name {
        case "early_stopping":
            let a = try c.arguments(["monitor", "patience", "restore_best_weights"])
            return EarlyStopping(monitor: try monitor(a), patience: try int(a, "patience", 0, 0...100_000),
                                 restoreBestWeights: try flag(a, "restore_best_weights", false))
        case "reduce_lr_on_plateau":
            let a = try c.arguments(["monitor", "factor", "patience", "min_lr"])
            return ReduceLROnPlateau(monitor: try monitor(a), factor: try c.number("factor", in: a, default: 0.1, range: 1e-6...0.999999),
                                     patience: try int(a, "patience", 10, 0...100_000), minLR: try c.number("min_lr", in: a, default: 0, range: 0...1e6))
        case "model_checkpoint":
            var call = c
            // Keras' name for the path.
            for i in call.keywords.indices where call.keywords[i].key == "filepath" { call.keywords[i].key = "path" }
            let a = try call.arguments(["path", "monitor", "save_best_only"])
            let path = try paths.writable(text(a, "path") ?? paths.checkpoint)
            return ModelCheckpoint(monitor: try monitor(a), saveBestOnly: try flag(a, "save_best_only", true)) { m in
                try ModelStore.save(m, to: path)
                return path
            }
        case "tensorboard":
            let a = try c.arguments(["log_dir", "histogram_freq", "update_freq"])
            var freq = TensorBoard.UpdateFrequency.epoch
            if let f = a["update_freq"] {
                switch f.value {
                case .word("epoch"): break
                case .word("batch"): freq = .steps(1)
                case .word(let w): throw ComponentError("tensorboard(): update_freq is epoch, batch or a number of steps, not '\(w)'", at: f.span ?? c.span)
                default: freq = .steps(try int(a, "update_freq", 1, 1...1_000_000_000))
                }
            }
            return TensorBoard(logDir: try paths.writable(text(a, "log_dir") ?? paths.logs),
                               histogramFreq: try int(a, "histogram_freq", 0, 0...100_000), updateFreq: freq)
        case "csv_logger":
            var call = c
            for i in call.keywords.indices where call.keywords[i].key == "filename" { call.keywords[i].key = "path" }
            let a = try call.arguments(["path", "separator", "append"])
            guard let p = text(a, "path") else { throw ComponentError("csv_logger needs a file: csv_logger(path=sessions/training.csv)", at: c.span) }
            let separator = text(a, "separator") ?? ","
            guard !separator.isEmpty else { throw ComponentError("csv_logger's separator cannot be empty", at: c.span) }
            return CSVLogger(path: try paths.writable(p), separator: separator, append: try flag(a, "append", false))
        case "terminate_on_nan":
            _ = try c.arguments([])
            return TerminateOnNaN()
        case "lr_scheduler", "learning_rate_scheduler":
            let a = try c.arguments(["schedule", "verbose"])
            guard let e = a["schedule"], case .word(let expression) = e.value else {
                throw ComponentError("\(c.name) needs the new rate as an expression of epoch and lr, in quotes: \(c.name)(\"0.01 * 0.1 ** (epoch / 20)\")", at: c.span)
            }
            do {
                return LearningRateScheduler(try RateExpression(expression), verbose: try int(a, "verbose", 0, 0...1) == 1)
            } catch let err as ComponentError {
                throw ComponentError(err.message, at: e.span ?? c.span)
            }
        default:
            throw ComponentError("'\(c.name)' is not a callback" + nameHint(c.name, names), at: c.span)
        }
    }
}
