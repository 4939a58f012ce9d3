import Foundation
import GradTensor

/// What `fit` reports while it runs, for a progress bar or a log.
public enum FitEvent {
    case epochBegin(epoch: Int, epochs: Int, steps: Int)
    case batchEnd(epoch: Int, step: Int, steps: Int, loss: Double, accuracy: Double, elapsed: Double)
    case epochEnd(EpochLogs, epochs: Int)
    /// Training stopped inside epoch `epoch` of this call: `partial` covers its
    /// first `partial.steps` of `steps` steps, unvalidated, and is not in the history.
    case interrupted(partial: EpochLogs, epoch: Int, steps: Int)
    case message(String)
}

/// A step of one `fit` call: `epoch` 1 is the call's first epoch, `step` 1 an epoch's first batch.
public struct FitPosition: Equatable, Sendable {
    public var epoch: Int
    public var step: Int
    public init(epoch: Int, step: Int) {
        self.epoch = epoch
        self.step = step
    }
}

/// Why `fit` stopped.
public enum FitStop: Equatable {
    case finished
    case interrupted(epoch: Int, step: Int)
    case earlyStopping(epoch: Int)
    /// A NaN or Inf appeared; the model was rolled back to the last finite step.
    case nonFinite(epoch: Int, step: Int, diagnosis: String)
}

/// `fit`'s arguments with Keras' defaults.
public struct FitOptions {
    public var epochs: Int = 1
    public var batchSize: Int = 32
    public var shuffle = true
    public var callbacks: [Callback] = []
    /// Stop as an interrupt does, right after this step: a replay stops where the recorded `fit` was interrupted.
    public var stopAfter: FitPosition? = nil
    public init(epochs: Int = 1, batchSize: Int = 32, shuffle: Bool = true, callbacks: [Callback] = [],
                stopAfter: FitPosition? = nil) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.callbacks = callbacks
        self.stopAfter = stopAfter
    }
}

/// Result of `evaluate`.
public struct Evaluation: Equatable {
    public var loss: Double
    public var accuracy: Double
    public var count: Int
}

extension Sequential {
    /// Trains on `train`, validating on `validation` after each epoch.
    /// `shouldStop` is polled after every batch (Ctrl-C), and `options.stopAfter`
    /// stops at a given step the same way. An interrupt keeps the weights,
    /// optimizer state (its `iterations` count the partial epoch's steps, as do
    /// step-based schedules) and generator as they are after that step, but the
    /// history holds complete epochs only: the partial epoch is reported through
    /// `.interrupted`, is not validated, and no callback sees it (as in Keras,
    /// where a KeyboardInterrupt skips `on_epoch_end` and `on_train_end`, so
    /// early stopping does not restore its best weights). A non-finite loss stops
    /// training: the flight recorder rolls back to the last finite step and
    /// names the first non-finite tensor.
    public func fit(train: DataSplit, validation: DataSplit?, options: FitOptions, rng: inout RandomGenerator,
                    shouldStop: () -> Bool = { false }, onEvent: (FitEvent) -> Void = { _ in }) -> FitStop {
        guard let optimizer else { return .finished }
        let n = train.count, bs = max(1, min(options.batchSize, n))
        let steps = (n + bs - 1) / bs
        var order = Array(0..<n)
        let x = Tensor(zeros: [bs, train.featureCount])
        var y = [Float](repeating: 0, count: bs)
        for cb in options.callbacks { cb.trainBegin(model: self) }
        let startEpoch = history.epochs.count
        let plan = self.plan()
        for e in 0..<options.epochs {
            let epoch = startEpoch + e + 1
            if options.shuffle { rng.shuffle(&order) }
            // Callbacks first, as Keras' own (the progress bar's "Epoch 2/3" comes after them).
            for cb in options.callbacks {
                if let msg = cb.epochBegin(model: self) { onEvent(.message(msg)) }
            }
            onEvent(.epochBegin(epoch: e + 1, epochs: options.epochs, steps: steps))
            var lossSum = 0.0, correct = 0, seen = 0
            let t0 = Date()
            let lrAtStart = Double(optimizer.currentLearningRate)
            // The flight recorder's checkpoint: weights, optimizer state and generator every few steps.
            var checkpoint = (step: 0, weights: snapshot(), optimizer: optimizer.saveState(), rng: rng)
            for s in 0..<steps {
                if s > 0 && s % FlightRecorder.checkpointEvery == 0 {
                    checkpoint = (s, snapshot(reusing: checkpoint.weights), optimizer.saveState(reusing: checkpoint.optimizer), rng)
                }
                let lo = s * bs, hi = min(n, lo + bs)
                order.withUnsafeBufferPointer { idx in
                    y.withUnsafeMutableBufferPointer { yb in
                        train.gather(UnsafeBufferPointer(rebasing: idx[lo..<hi]), into: x, targets: yb.baseAddress!)
                    }
                }
                let r = y.withUnsafeBufferPointer { trainStep(x, targets: $0.baseAddress!, plan: plan, rng: &rng) }
                if !options.callbacks.isEmpty {
                    let count = Double(seen + hi - lo)
                    let logs = BatchLogs(epoch: epoch, step: s + 1, iteration: optimizer.iterations,
                                         batchLoss: Double(r.loss),
                                         loss: (lossSum + Double(r.loss) * Double(hi - lo)) / count,
                                         accuracy: Double(correct + r.correct) / count)
                    for cb in options.callbacks {
                        if let msg = cb.batchEnd(logs, model: self) { onEvent(.message(msg)) }
                    }
                }
                if !r.loss.isFinite {
                    restore(checkpoint.weights)
                    optimizer.restoreState(checkpoint.optimizer)
                    var replayRng = checkpoint.rng
                    let report = FlightRecorder.replay(self, train: train, order: order, batchSize: bs, from: checkpoint.step, through: s,
                                                       rng: &replayRng, epoch: epoch)
                    onEvent(.message(report.message))
                    return .nonFinite(epoch: epoch, step: report.step, diagnosis: report.message)
                }
                lossSum += Double(r.loss) * Double(hi - lo)
                correct += r.correct
                seen += hi - lo
                onEvent(.batchEnd(epoch: e + 1, step: s + 1, steps: steps, loss: lossSum / Double(seen),
                                  accuracy: Double(correct) / Double(seen), elapsed: Date().timeIntervalSince(t0)))
                if options.stopAfter == FitPosition(epoch: e + 1, step: s + 1) || shouldStop() {
                    let partial = EpochLogs(epoch: epoch, loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen),
                                            learningRate: lrAtStart, seconds: Date().timeIntervalSince(t0), steps: s + 1)
                    onEvent(.interrupted(partial: partial, epoch: e + 1, steps: steps))
                    return .interrupted(epoch: e + 1, step: s + 1)
                }
            }
            let trainSeconds = Date().timeIntervalSince(t0)
            var logs = EpochLogs(epoch: epoch, loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen),
                                 learningRate: lrAtStart, seconds: trainSeconds, steps: steps)
            if let validation, validation.count > 0 {
                let v = evaluate(validation, rng: &rng)
                logs.valLoss = v.loss
                logs.valAccuracy = v.accuracy
            }
            history.epochs.append(logs)
            onEvent(.epochEnd(logs, epochs: options.epochs))
            var stop = false
            for cb in options.callbacks {
                if let msg = cb.epochEnd(logs, model: self) { onEvent(.message(msg)) }
                if cb.stopTraining { stop = true }
            }
            if stop {
                for cb in options.callbacks { if let msg = cb.trainEnd(model: self) { onEvent(.message(msg)) } }
                return .earlyStopping(epoch: e + 1)
            }
        }
        for cb in options.callbacks { if let msg = cb.trainEnd(model: self) { onEvent(.message(msg)) } }
        return .finished
    }

    /// Loss and accuracy on a split, in inference mode.
    public func evaluate(_ split: DataSplit, batchSize: Int = 500) -> Evaluation {
        var rng = RandomGenerator(seed: 0)
        return evaluate(split, batchSize: batchSize, rng: &rng)
    }

    /// Loss and accuracy on a split, in inference mode, with the layers that
    /// stay stochastic at inference (`MCDropout`, as in Keras) drawing from
    /// `rng`: each call is then one MC pass. Other models draw nothing.
    public func evaluate(_ split: DataSplit, batchSize: Int = 500, rng: inout RandomGenerator) -> Evaluation {
        guard let loss, split.count > 0 else { return Evaluation(loss: .nan, accuracy: .nan, count: 0) }
        let bs = min(batchSize, split.count)
        let x = Tensor(zeros: [bs, split.featureCount])
        var y = [Float](repeating: 0, count: bs)
        var total = 0.0, correct = 0
        var start = 0
        while start < split.count {
            let m = min(bs, split.count - start)
            y.withUnsafeMutableBufferPointer { split.gather(from: start, count: m, into: x, targets: $0.baseAddress!) }
            let out = self(x, mode: .inference, rng: &rng)
            y.withUnsafeBufferPointer { yb in
                // Keras' evaluate: each batch's loss (with the activity penalties of its outputs) weighted by its size.
                let batchLoss = Double(loss.compute(output: out, targets: yb.baseAddress!, gradient: nil, fused: false)) + Double(activityPenalty)
                total += batchLoss * Double(m)
                correct += Accuracy.correct(output: out, targets: yb.baseAddress!)
            }
            start += m
        }
        var penalty = 0.0
        for p in parameters where p.trainable { if let r = p.regularizer { penalty += Double(r.penalty(p.value)) } }
        return Evaluation(loss: total / Double(split.count) + penalty, accuracy: Double(correct) / Double(split.count), count: split.count)
    }

    /// Outputs (class probabilities) for the given samples of a split, in inference mode.
    public func predict(_ split: DataSplit, indices: [Int]) -> Tensor {
        var rng = RandomGenerator(seed: 0)
        return predict(split, indices: indices, rng: &rng)
    }

    /// Outputs for the given samples, in inference mode, with layers that stay
    /// stochastic at inference (`MCDropout`) drawing from `rng`, as `evaluate`.
    public func predict(_ split: DataSplit, indices: [Int], rng: inout RandomGenerator) -> Tensor {
        let x = Tensor(zeros: [indices.count, split.featureCount])
        var y = [Float](repeating: 0, count: indices.count)
        indices.withUnsafeBufferPointer { idx in
            y.withUnsafeMutableBufferPointer { split.gather(idx, into: x, targets: $0.baseAddress!) }
        }
        return self(x, mode: .inference, rng: &rng).copy()
    }

    /// MC Dropout (Gal & Ghahramani): `samples` stochastic passes with
    /// dropout on and BatchNormalization in inference mode. Returns the
    /// per-class mean and standard deviation for each sample, as [n, classes],
    /// and how many passes every row received (all rows the same, even when
    /// interrupted, because passes are the outer loop). `eachPass`, when
    /// given, sees every batch of every pass as it is computed: the pass
    /// (from 0), the first of its rows, and its [rows, classes] outputs (the
    /// book's `y_probas` stack, whose mean is the mean returned).
    public func predictMonteCarlo(_ split: DataSplit, indices: [Int]? = nil, samples: Int, batchSize: Int = 1000,
                                  rng: inout RandomGenerator, shouldStop: () -> Bool = { false },
                                  eachPass: ((_ pass: Int, _ firstRow: Int, _ outputs: Tensor) -> Void)? = nil)
        -> (mean: Tensor, std: Tensor, passes: Int) {
        let idx = indices ?? Array(0..<split.count)
        let n = idx.count
        let classes = outputShape?.reduce(1, *) ?? 1
        let mean = Tensor(zeros: [n, classes]), m2 = Tensor(zeros: [n, classes])
        let bs = max(1, min(batchSize, n))
        let x = Tensor(zeros: [bs, split.featureCount])
        var y = [Float](repeating: 0, count: bs)
        // Layers before the first stochastic one give the same output on every
        // pass: run them once for all samples and keep the result, one tensor
        // per batch, which every pass reads in place (layers never write their input).
        let firstStochastic = layers.firstIndex { $0.isStochastic } ?? layers.count
        var prefix: [Tensor] = []
        var start = 0
        while start < n {
            let m = min(bs, n - start)
            idx.withUnsafeBufferPointer { ib in
                y.withUnsafeMutableBufferPointer { split.gather(UnsafeBufferPointer(rebasing: ib[start..<(start + m)]), into: x, targets: $0.baseAddress!) }
            }
            var h = x
            for l in layers[..<firstStochastic] { h = l(h, mode: .monteCarlo, rng: &rng) }
            prefix.append(h.copy())
            start += m
        }
        guard !prefix.isEmpty else { return (mean, m2, 0) }
        var passesDone = 0
        for s in 0..<samples {
            start = 0
            for cached in prefix {
                let m = cached.rows
                var out = cached
                for l in layers[firstStochastic...] { out = l(out, mode: .monteCarlo, rng: &rng) }
                eachPass?(s, start, out)
                let k = Float(s + 1)
                let o = out.data, mp = mean.data + start * classes, vp = m2.data + start * classes
                for i in 0..<(m * classes) {
                    let d = o[i] - mp[i]
                    mp[i] += d / k
                    vp[i] += d * (o[i] - mp[i])
                }
                start += m
            }
            passesDone = s + 1
            if shouldStop() { break }
        }
        let std = Tensor(zeros: [n, classes])
        for i in 0..<(n * classes) { std[i] = (m2[i] / Float(max(passesDone, 1))).squareRoot() }
        return (mean, std, passesDone)
    }
}
