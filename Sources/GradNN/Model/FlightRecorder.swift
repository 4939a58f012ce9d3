import Foundation
import GradTensor

/// The NaN flight recorder. Training keeps a checkpoint (weights, optimizer
/// state, generator) every `checkpointEvery` steps, which costs nothing per
/// step. When the loss turns non-finite, the steps since the checkpoint are
/// replayed exactly with every tensor checked and per-layer norms recorded;
/// the model stops at the last finite step and the report names the first
/// non-finite tensor and the layer whose gradient grew fastest.
public enum FlightRecorder {
    public static let checkpointEvery = 50

    public struct Report {
        /// The step (1-based, in the epoch) where the first non-finite value appeared.
        public var step: Int
        public var message: String
    }

    static func finite(_ t: Tensor) -> Bool { t.isFinite }

    static func replay(_ m: Sequential, train: DataSplit, order: [Int], batchSize bs: Int, from start: Int, through end: Int,
                       rng: inout RandomGenerator, epoch: Int) -> Report {
        let n = train.count
        let x = Tensor(zeros: [bs, train.featureCount])
        var y = [Float](repeating: 0, count: bs)
        var norms: [[Double]] = []   // per step, per layer: gradient norm of its first trainable variable
        let names = m.layers.map(\.name)
        var culprit = "the loss"
        var failedStep = end + 1
        // The state at the start of the previous step, whose forward and backward passes were finite.
        var previous: (weights: [Tensor], optimizer: Optimizer.State, step: Int)? = nil
        var updateFailed = false
        for s in start...end {
            let lo = s * bs, hi = min(n, lo + bs)
            order.withUnsafeBufferPointer { idx in y.withUnsafeMutableBufferPointer { train.gather(UnsafeBufferPointer(rebasing: idx[lo..<hi]), into: x, targets: $0.baseAddress!) } }
            // The training step itself, on the reference plan (every gradient written out), watched.
            var row = [Double](repeating: 0, count: m.layers.count)
            let watch = StepWatch(
                forward: { i, h in finite(h) ? nil : "the output of layer \(i) \(names[i]) (forward pass)" },
                backward: { i, grad in
                    if let p = m.layers[i].parameters.first(where: \.trainable) {
                        row[i] = Statistics(p.gradient).norm
                        if !p.gradient.isFinite { return "the gradient of \(p.path) (backward pass)" }
                    }
                    if i > 0, let grad, !finite(grad) { return "the gradient flowing out of layer \(i) \(names[i]) (backward pass)" }
                    return nil
                })
            let step = y.withUnsafeBufferPointer { m.computeGradients(x, targets: $0.baseAddress!, plan: m.referencePlan(), watch: watch, rng: &rng) }
            if let stopped = step.stopped { culprit = stopped; failedStep = s + 1; break }
            norms.append(row)
            let before = m.snapshot(), state = m.optimizer!.saveState()
            m.optimizer!.update(m.parameters)
            if let bad = m.parameters.first(where: { !$0.value.isFinite }) {
                m.restore(before)
                m.optimizer!.restoreState(state)
                culprit = "the weights of \(bad.path) after the optimizer's update"
                failedStep = s + 1
                updateFailed = true
                break
            }
            previous = (before, state, s + 1)
        }
        // Where the model now stands: after a failed update, at the start of the failed step
        // (the end of the last finite one). After a failed forward or backward pass its weights
        // were finite but already overflow, so go back to the start of the step before it.
        var restoredTo = failedStep
        if !updateFailed, let p = previous, failedStep == p.step + 1 {
            m.restore(p.weights)
            m.optimizer!.restoreState(p.optimizer)
            restoredTo = p.step
        }
        // Which layer's gradient grew fastest over the recorded steps?
        var fastest = ""
        if norms.count >= 2 {
            var best = 1.0
            for i in m.layers.indices {
                let a = norms.first![i], b = norms.last![i]
                if a > 0, b / a > best { best = b / a; fastest = "Layer \(i) \(names[i])'s gradient norm grew \(String(format: best < 1e4 ? "%.1f" : "%.2g", best))× over the last \(norms.count) step\(norms.count == 1 ? "" : "s"). " }
            }
        }
        let lr = m.optimizer.map { formatFloat($0.currentLearningRate) } ?? "?"
        let usesHe = m.layers.contains { ($0 as? Dense)?.kernelInitializer.name.hasPrefix("he_") ?? false }
        let message = "non-finite values at epoch \(epoch), step \(failedStep): the first was \(culprit). \(fastest)" +
            (updateFailed
                ? "The model and optimizer were rolled back to the start of step \(restoredTo), before that update. "
                : restoredTo < failedStep
                ? "The model and optimizer were rolled back to the start of step \(restoredTo), the last step whose activations, loss, gradients and update were all finite. "
                : "The weights at the start of step \(restoredTo), the last checkpoint, already overflow: nothing finite is left to roll back to in this epoch. ") +
            "Likely exploding gradients; try: `set learning_rate \(formatFloat((m.optimizer?.currentLearningRate ?? 0.01) / 10))` (now \(lr)), " +
            "`compile … clipnorm=1.0`" + (usesHe ? "" : ", `kernel_initializer=he_normal`") + " or `add batchnorm`"
        return Report(step: failedStep, message: message)
    }
}
