import GradTensor

/// Something `fit` calls at the end of each epoch (and, if it asks, of each step), as Keras callbacks.
public protocol Callback: AnyObject {
    /// Set to stop training after this epoch.
    var stopTraining: Bool { get }
    func trainBegin(model: Sequential)
    /// Called before each epoch's first step. Returns a line to print, if any.
    func epochBegin(model: Sequential) -> String?
    /// Called after every training step, before `fit` checks the loss is finite. Returns a line to print, if any.
    func batchEnd(_ logs: BatchLogs, model: Sequential) -> String?
    /// Returns a line to print, if any.
    func epochEnd(_ logs: EpochLogs, model: Sequential) -> String?
    func trainEnd(model: Sequential) -> String?
}

public extension Callback {
    var stopTraining: Bool { false }
    func trainBegin(model: Sequential) {}
    func epochBegin(model: Sequential) -> String? { nil }
    func batchEnd(_ logs: BatchLogs, model: Sequential) -> String? { nil }
    func trainEnd(model: Sequential) -> String? { nil }
}

/// Keras' batch logs: `loss` and `accuracy` are the epoch's running means, as the progress bar shows.
public struct BatchLogs {
    /// The epoch in the model's history (1 = its first).
    public var epoch: Int
    /// The step within the epoch, from 1.
    public var step: Int
    /// The optimizer's step count after this step (Keras' `optimizer.iterations`).
    public var iteration: Int
    /// This step's own loss, before averaging.
    public var batchLoss: Double
    public var loss: Double
    public var accuracy: Double
}

/// Reads a monitored metric, and whether lower is better (`*loss`).
func monitored(_ name: String, _ logs: EpochLogs) -> (value: Double, lowerIsBetter: Bool)? {
    guard let v = logs.value(name) ?? logs.value(name.replacingOccurrences(of: "val_", with: "")) else { return nil }
    return (v, name.hasSuffix("loss"))
}

/// Keras' `EarlyStopping(monitor="val_loss", patience, restore_best_weights)`.
public final class EarlyStopping: Callback {
    public let monitor: String
    public let patience: Int
    public let restoreBestWeights: Bool
    public private(set) var stopTraining = false
    private var best: Double?
    private var bestWeights: [Tensor]?
    private var bestEpoch = 0
    private var wait = 0
    private var firstEpoch = 1

    public init(monitor: String = "val_loss", patience: Int = 0, restoreBestWeights: Bool = false) {
        self.monitor = monitor
        self.patience = patience
        self.restoreBestWeights = restoreBestWeights
    }

    public func trainBegin(model: Sequential) {
        best = nil; wait = 0; stopTraining = false; bestWeights = nil
        firstEpoch = model.history.epochs.count + 1
    }

    public func epochEnd(_ logs: EpochLogs, model: Sequential) -> String? {
        guard let (v, lower) = monitored(monitor, logs) else { return nil }
        if best == nil || (lower ? v < best! : v > best!) {
            best = v; wait = 0; bestEpoch = logs.epoch
            if restoreBestWeights { bestWeights = model.snapshot() }
            return nil
        }
        wait += 1
        if wait >= patience {
            stopTraining = true
            return "early stopping: \(monitor) has not improved for \(patience) epoch\(patience == 1 ? "" : "s"); best \(String(format: "%.4f", best!)) at epoch \(bestEpoch - firstEpoch + 1) of this run"
        }
        return nil
    }

    public func trainEnd(model: Sequential) -> String? {
        guard restoreBestWeights, let w = bestWeights else { return nil }
        model.restore(w)
        return "restored the weights of epoch \(bestEpoch - firstEpoch + 1) of this run (best \(monitor))"
    }
}

/// Keras' `ReduceLROnPlateau(monitor="val_loss", factor, patience, min_lr)`.
public final class ReduceLROnPlateau: Callback {
    public let monitor: String
    public let factor: Float
    public let patience: Int
    public let minLR: Float
    private var best: Double?
    private var wait = 0

    public init(monitor: String = "val_loss", factor: Float = 0.1, patience: Int = 10, minLR: Float = 0) {
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.minLR = minLR
    }

    public func trainBegin(model: Sequential) { best = nil; wait = 0 }

    public func epochEnd(_ logs: EpochLogs, model: Sequential) -> String? {
        guard let (v, lower) = monitored(monitor, logs), let opt = model.optimizer else { return nil }
        if best == nil || (lower ? v < best! : v > best!) { best = v; wait = 0; return nil }
        wait += 1
        if wait >= patience {
            wait = 0
            let old = opt.learningRate
            opt.learningRate = max(minLR, old * factor)
            return "reduce_lr_on_plateau: learning rate \(formatFloat(old)) → \(formatFloat(opt.learningRate))"
        }
        return nil
    }
}

/// Keras' `ModelCheckpoint(path, save_best_only=True)`: calls `save` with the
/// model whenever the monitored metric improves.
public final class ModelCheckpoint: Callback {
    public let monitor: String
    public let saveBestOnly: Bool
    private let save: (Sequential) throws -> String
    private var best: Double?

    public init(monitor: String = "val_loss", saveBestOnly: Bool = true, save: @escaping (Sequential) throws -> String) {
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        self.save = save
    }

    public func trainBegin(model: Sequential) { best = nil }

    public func epochEnd(_ logs: EpochLogs, model: Sequential) -> String? {
        if saveBestOnly {
            guard let (v, lower) = monitored(monitor, logs) else { return nil }
            if let b = best, lower ? v >= b : v <= b { return nil }
            best = v
        }
        do { return "model_checkpoint: saved \(try save(model))" } catch { return "model_checkpoint: could not save: \(error)" }
    }
}
