/// Keras' `TerminateOnNaN`: stops training at the step whose loss is NaN or
/// infinite, saying which. `fit` stops there anyway, rolling the model back
/// to the last finite step and naming the first non-finite tensor; this
/// callback adds Keras' own line, so a script ported from Keras reads the same.
public final class TerminateOnNaN: Callback {
    public private(set) var stopTraining = false

    public init() {}

    public func trainBegin(model: Sequential) { stopTraining = false }

    public func epochEnd(_ logs: EpochLogs, model: Sequential) -> String? { nil }

    public func batchEnd(_ logs: BatchLogs, model: Sequential) -> String? {
        guard !logs.batchLoss.isFinite else { return nil }
        stopTraining = true
        let loss = logs.batchLoss.isNaN ? "nan" : "\(logs.batchLoss)"  // Swift would print "-nan" for some NaNs
        return
            "terminate_on_nan: epoch \(logs.epoch), step \(logs.step): invalid loss (\(loss)), "
            + "terminating training"
    }
}
