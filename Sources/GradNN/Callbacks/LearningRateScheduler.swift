/// Keras' `LearningRateScheduler(schedule)`: at the start of each epoch the
/// rate becomes `schedule(epoch, lr)`, epoch counted from 0 in this `fit`
/// and lr the rate in force, as a float32 (Keras stores it in a float32
/// variable). The schedule is a `RateExpression`, the body of the book's
/// `exponential_decay_fn` and `piecewise_constant_fn`.
public final class LearningRateScheduler: Callback {
    public let schedule: RateExpression
    /// Prints each epoch's rate, as Keras' `verbose=1`.
    public let verbose: Bool

    public init(_ schedule: RateExpression, verbose: Bool = false) {
        self.schedule = schedule
        self.verbose = verbose
    }

    /// The rates `epochs` epochs would get from `start`, or the first epoch
    /// whose value is not a usable rate (negative, infinite or NaN): checked
    /// before training so that a bad expression changes nothing.
    public func rates(epochs: Int, from start: Float) -> Result<[Float], ComponentError> {
        var lr = start, out: [Float] = []
        for epoch in 0..<epochs {
            let v = schedule.value(epoch: epoch, lr: Double(lr))
            guard v.isFinite, v >= 0, Float(v).isFinite else {
                return .failure(ComponentError("lr_scheduler: \(schedule.text) gives \(v) at epoch \(epoch) (lr=\(formatFloat(lr))); a learning rate is a finite number ≥ 0"))
            }
            lr = Float(v)
            out.append(lr)
        }
        return .success(out)
    }

    private var epochsBegun = 0

    public func trainBegin(model: Sequential) { epochsBegun = 0 }

    public func epochBegin(model: Sequential) -> String? {
        guard let opt = model.optimizer else { return nil }
        let v = schedule.value(epoch: epochsBegun, lr: Double(opt.learningRate))
        epochsBegun += 1
        guard v.isFinite, v >= 0 else { return "lr_scheduler: \(schedule.text) gives \(v); the rate stays \(formatFloat(opt.learningRate))" }
        opt.learningRate = Float(v)
        return verbose ? "Epoch \(epochsBegun): LearningRateScheduler setting learning rate to \(formatFloat(opt.learningRate))." : nil
    }

    public func epochEnd(_ logs: EpochLogs, model: Sequential) -> String? { nil }
}
