import Foundation

/// Keras' `TensorBoard(log_dir, histogram_freq=0, update_freq="epoch")`: writes
/// event files that `tensorboard --logdir DIR` shows, laid out as Keras lays
/// them out: `DIR/train` gets `epoch_loss`, `epoch_accuracy` and
/// `epoch_learning_rate` per epoch, `batch_loss` and `batch_accuracy` every
/// `update_freq` steps (the epoch's running means, as Keras logs them, at the
/// optimizer's step count), and with `histogram_freq=N` a histogram of every
/// variable (`dense/kernel/histogram`) every N epochs; `DIR/validation` gets
/// `epoch_loss` and `epoch_accuracy` of the validation split.
///
/// An epoch's step is its 0-based index in the model's history, so a second
/// `fit` continues the curves (Keras needs `initial_epoch` for that). Every
/// record is appended with `write(2)` as it is made, so a killed process loses
/// nothing already logged.
public final class TensorBoard: Callback {
    /// Keras' `update_freq`: `"epoch"`, or every N steps (`"batch"` is 1).
    public enum UpdateFrequency: Equatable, Sendable {
        case epoch
        case steps(Int)
    }

    public let logDir: String
    public let histogramFreq: Int
    public let updateFreq: UpdateFrequency
    private var train: EventFileWriter?
    private var validation: EventFileWriter?
    /// The first write error, reported once; later writes are skipped.
    private var failed = false

    public init(logDir: String, histogramFreq: Int = 0, updateFreq: UpdateFrequency = .epoch) {
        self.logDir = logDir
        self.histogramFreq = histogramFreq
        self.updateFreq = updateFreq
    }

    /// Creates `logDir/train` and its event file; `fit`'s caller calls it first so that an
    /// unwritable folder is an error before training starts (else the first write does).
    public func open() throws {
        if train == nil { train = try EventFileWriter(directory: logDir + "/train") }
    }

    public func batchEnd(_ logs: BatchLogs, model: Sequential) -> String? {
        guard case .steps(let n) = updateFreq, logs.iteration % n == 0 else { return nil }
        return write {
            try trainWriter().scalars(
                [("batch_loss", logs.loss), ("batch_accuracy", logs.accuracy)], step: logs.iteration)
        }
    }

    public func epochEnd(_ logs: EpochLogs, model: Sequential) -> String? {
        let step = logs.epoch - 1
        return write {
            let train = try trainWriter()
            try train.scalars(
                [
                    ("epoch_loss", logs.loss), ("epoch_accuracy", logs.accuracy),
                    ("epoch_learning_rate", logs.learningRate),
                ], step: step)
            if histogramFreq > 0 && step % histogramFreq == 0 {
                try train.histograms(model.parameters.map { ($0.path + "/histogram", $0.value.array) }, step: step)
            }
            if let loss = logs.valLoss, let accuracy = logs.valAccuracy {
                if validation == nil { validation = try EventFileWriter(directory: logDir + "/validation") }
                try validation?.scalars([("epoch_loss", loss), ("epoch_accuracy", accuracy)], step: step)
            }
        }
    }

    private func trainWriter() throws -> EventFileWriter {
        try open()
        return train!
    }

    /// Runs a write; the first failure becomes one printed line and stops further logging (training goes on).
    private func write(_ body: () throws -> Void) -> String? {
        guard !failed else { return nil }
        do { try body() } catch {
            failed = true
            return "tensorboard: \(error); no more logs are written in this fit"
        }
        return nil
    }
}
