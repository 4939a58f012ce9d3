import Foundation
@testable import GradNN
import GradTensor
import TestSupport
import XCTest

final class TrainingTests: XCTestCase {
    func moonsModel(seed: UInt64, optimizer: any OptimizerRule = SGD(momentum: 0.9), lr: Float = 0.1) throws -> (Sequential, Dataset) {
        var rng = RandomGenerator(seed: seed)
        let d = try Synthetic.moons.generate(n: 600, noise: 0.1, rng: &rng).withValidation(last: 100)
        let m = Sequential()
        try m.add(Dense(units: 16, activation: .relu, kernelInitializer: .named("he_normal")!), rng: &rng)
        try m.add(Dense(units: 2, activation: .softmax), rng: &rng)
        try m.build(inputShape: [2], rng: &rng)
        m.loss = .sparseCategoricalCrossentropy
        m.optimizer = Optimizer(rule: optimizer, learningRate: lr)
        return (m, d)
    }

    func testFitLearnsMoonsAndIsReproducible() throws {
        let (m, d) = try moonsModel(seed: 1)
        var rng = RandomGenerator(seed: 5)
        let stop = m.fit(train: d.train, validation: d.validation, options: FitOptions(epochs: 15, batchSize: 16), rng: &rng)
        XCTAssertEqual(stop, .finished)
        XCTAssertGreaterThan(m.history.last!.valAccuracy!, 0.95)
        XCTAssertLessThan(m.history.last!.loss, m.history.epochs[0].loss)
        let (m2, d2) = try moonsModel(seed: 1)
        var rng2 = RandomGenerator(seed: 5)
        _ = m2.fit(train: d2.train, validation: d2.validation, options: FitOptions(epochs: 15, batchSize: 16), rng: &rng2)
        XCTAssertEqual(m.history.epochs.map(\.loss), m2.history.epochs.map(\.loss), "same seed, same numbers")
    }

    /// Records what a callback is shown, to check that an interrupted epoch reaches none.
    final class EpochRecorder: Callback {
        var epochs: [Int] = []
        var began = 0, ended = 0
        func trainBegin(model: Sequential) { began += 1 }
        func epochEnd(_ logs: EpochLogs, model: Sequential) -> String? { epochs.append(logs.epoch); return nil }
        func trainEnd(model: Sequential) -> String? { ended += 1; return nil }
    }

    func testInterruptKeepsTheWeightsButOnlyCompleteEpochsInTheHistory() throws {
        let (m, d) = try moonsModel(seed: 2)
        let steps = (d.train.count + 9) / 10
        var rng = RandomGenerator(seed: 1)
        _ = m.fit(train: d.train, validation: d.validation, options: FitOptions(epochs: 1, batchSize: 10), rng: &rng)
        let recorder = EpochRecorder()
        var calls = 0
        var partial: (logs: EpochLogs, epoch: Int, steps: Int)?
        var epochEnds = 0
        // Five epochs asked; the poll says stop at the 7th step of the third.
        let options = FitOptions(epochs: 5, batchSize: 10, callbacks: [recorder])
        let stop = m.fit(train: d.train, validation: d.validation, options: options, rng: &rng,
                         shouldStop: { calls += 1; return calls == 2 * steps + 7 }) { event in
            if case .interrupted(let p, let e, let n) = event { partial = (p, e, n) }
            if case .epochEnd = event { epochEnds += 1 }
        }
        XCTAssertEqual(stop, .interrupted(epoch: 3, step: 7), "epoch and step count from this fit's start")
        XCTAssertEqual(m.history.epochs.map(\.epoch), [1, 2, 3],
                       "one earlier epoch and two complete ones: the partial fourth is left out")
        XCTAssertNotNil(m.history.last?.valAccuracy, "the last epoch in the history is validated")
        XCTAssertEqual(epochEnds, 2)
        XCTAssertEqual(partial?.epoch, 3)
        XCTAssertEqual(partial?.steps, steps)
        XCTAssertEqual(partial?.logs.epoch, 4, "the partial epoch would have been the history's 4th")
        XCTAssertEqual(partial?.logs.steps, 7)
        XCTAssertNil(partial?.logs.valLoss, "the partial epoch is not validated")
        XCTAssertEqual(partial.map { $0.logs.loss.isFinite }, true)
        XCTAssertEqual(recorder.epochs, [2, 3], "callbacks never see the partial epoch")
        XCTAssertEqual(recorder.began, 1)
        XCTAssertEqual(recorder.ended, 0, "as a KeyboardInterrupt in Keras, an interrupt skips trainEnd")
        XCTAssertEqual(m.optimizer!.iterations, 3 * steps + 7,
                       "the partial epoch's updates stay in the weights and the step count")
        XCTAssertTrue(m.evaluate(d.test!).accuracy.isFinite)
        // The next fit numbers its epochs after the complete ones.
        _ = m.fit(train: d.train, validation: d.validation, options: FitOptions(epochs: 1, batchSize: 10), rng: &rng)
        XCTAssertEqual(m.history.epochs.map(\.epoch), [1, 2, 3, 4])
    }

    func testAnInterruptAtAnEpochsLastStepLeavesThatEpochOut() throws {
        let (m, d) = try moonsModel(seed: 2)
        let steps = (d.train.count + 9) / 10
        var rng = RandomGenerator(seed: 1)
        var calls = 0
        let stop = m.fit(train: d.train, validation: d.validation, options: FitOptions(epochs: 3, batchSize: 10), rng: &rng,
                         shouldStop: { calls += 1; return calls == 2 * steps })
        XCTAssertEqual(stop, .interrupted(epoch: 2, step: steps))
        XCTAssertEqual(m.history.epochs.count, 1,
                       "its steps all ran, but it was neither validated nor shown to callbacks")
    }

    func testStopAfterStopsWhereTheInterruptDidWithTheSameBits() throws {
        func run(stopAfter: FitPosition?, interruptAt poll: Int?) throws -> (FitStop, [[Float]], [Double], Int, Float) {
            let (m, d) = try moonsModel(seed: 7, optimizer: Adam(), lr: 0.01)
            var rng = RandomGenerator(seed: 3)
            var calls = 0
            let stop = m.fit(train: d.train, validation: d.validation,
                             options: FitOptions(epochs: 4, batchSize: 16, stopAfter: stopAfter), rng: &rng,
                             shouldStop: { calls += 1; return calls == poll })
            return (stop, m.snapshot().map(\.array), m.history.series("val_loss"), m.optimizer!.iterations, rng.uniform())
        }
        let steps = (try moonsModel(seed: 7).1.train.count + 15) / 16
        let interrupted = try run(stopAfter: nil, interruptAt: steps + 5)
        let replayed = try run(stopAfter: FitPosition(epoch: 2, step: 5), interruptAt: nil)
        XCTAssertEqual(interrupted.0, .interrupted(epoch: 2, step: 5))
        XCTAssertEqual(replayed.0, interrupted.0)
        XCTAssertEqual(replayed.1, interrupted.1, "same weights, bit for bit")
        XCTAssertEqual(replayed.2, interrupted.2)
        XCTAssertEqual(replayed.3, steps + 5)
        XCTAssertEqual(replayed.3, interrupted.3)
        XCTAssertEqual(replayed.4, interrupted.4, "the generator is where the interrupted fit left it")
        let beyond = try run(stopAfter: FitPosition(epoch: 5, step: 1), interruptAt: nil)
        XCTAssertEqual(beyond.0, .finished, "a stop point past the fit's end never fires")
        XCTAssertEqual(beyond.2.count, 4)
        XCTAssertNotEqual(beyond.1, interrupted.1)
    }

    func testNonFiniteLossStopsAndRollsBack() throws {
        let (m, d) = try moonsModel(seed: 3, lr: .infinity)
        let before = m.snapshot().map(\.array)
        var rng = RandomGenerator(seed: 1)
        var messages: [String] = []
        let stop = m.fit(train: d.train, validation: d.validation, options: FitOptions(epochs: 3, batchSize: 10), rng: &rng) {
            if case .message(let s) = $0 { messages.append(s) }
        }
        guard case .nonFinite = stop else { return XCTFail("expected a non-finite stop, got \(stop)") }
        XCTAssertEqual(m.snapshot().map(\.array), before, "the first update already diverged: rolled back to the start")
        XCTAssertTrue(messages.joined().contains("after the optimizer's update"), messages.joined())
        XCTAssertTrue(messages.joined().contains("set learning_rate"))
    }

    func testFlightRecorderStopsAtTheLastFiniteStepAndReplaysExactly() throws {
        // A learning rate of 1e4 diverges after a few steps; the recorder names the step and leaves finite weights.
        func run() throws -> (FitStop, [[Float]], Sequential, Dataset) {
            var rng = RandomGenerator(seed: 5)
            let d = try Synthetic.moons.generate(n: 600, noise: 0.1, rng: &rng).withValidation(last: 100)
            let m = Sequential()
            try m.add(Dense(units: 16, activation: .linear), rng: &rng)
            try m.add(Dense(units: 16, activation: .linear), rng: &rng)
            try m.add(Dense(units: 2, activation: .softmax), rng: &rng)
            try m.build(inputShape: [2], rng: &rng)
            m.loss = .sparseCategoricalCrossentropy
            m.optimizer = Optimizer(rule: SGD(momentum: 0.9), learningRate: 1e4)
            let stop = m.fit(train: d.train, validation: d.validation, options: FitOptions(epochs: 2, batchSize: 10), rng: &rng)
            return (stop, m.snapshot().map(\.array), m, d)
        }
        let (stop, weights, m, d) = try run()
        guard case .nonFinite(_, let step, let diagnosis) = stop else { return XCTFail("expected the recorder to fire, got \(stop)") }
        XCTAssertGreaterThan(step, 1)
        XCTAssertTrue(diagnosis.contains("the first was"), diagnosis)
        XCTAssertTrue(m.parameters.allSatisfy { $0.value.isFinite }, "finite weights after rollback")
        XCTAssertEqual(m.evaluate(d.test!).count, d.test!.count, "evaluate still runs")
        XCTAssertTrue(diagnosis.contains("rolled back to the start of step \(step - 1)"), diagnosis)
        XCTAssertTrue(m.evaluate(d.validation!).loss.isFinite,
                      "the weights are those of the last step that was finite throughout, not ones that already overflow")
        let (stop2, weights2, _, _) = try run()
        XCTAssertEqual(stop, stop2, "a replay reproduces the failure exactly")
        XCTAssertEqual(weights, weights2)
    }

    func testEarlyStoppingRestoresBestWeights() throws {
        let (m, d) = try moonsModel(seed: 4, lr: 0.5)
        var rng = RandomGenerator(seed: 1)
        let es = EarlyStopping(monitor: "val_loss", patience: 2, restoreBestWeights: true)
        _ = m.fit(train: d.train, validation: d.validation, options: FitOptions(epochs: 60, batchSize: 16, callbacks: [es]), rng: &rng)
        let best = m.history.series("val_loss").min()!
        XCTAssertEqual(m.evaluate(d.validation!).loss, best, accuracy: 1e-4)
    }

    func testMonteCarloDropoutSpreadAndDeterminismWithoutDropout() throws {
        var rng = RandomGenerator(seed: 1)
        let d = Synthetic.spirals.generate(n: 300, noise: 0.05, classes: 3, rng: &rng)
        let m = Sequential()
        try m.add(Dense(units: 32, activation: .relu), rng: &rng)
        try m.add(Dropout(rate: 0.3), rng: &rng)
        try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
        try m.build(inputShape: [2], rng: &rng)
        m.loss = .sparseCategoricalCrossentropy
        let r = m.predictMonteCarlo(d.test!, samples: 50, rng: &rng)
        XCTAssertEqual(r.passes, 50)
        XCTAssertGreaterThan(Statistics(r.std).mean, 0)
        for row in 0..<r.mean.rows { XCTAssertEqual((0..<3).reduce(Float(0)) { $0 + r.mean[row, $1] }, 1, accuracy: 1e-4) }
        m.removeLast(); m.removeLast(); m.removeLast()
    }

    func testSchedulesByHand() {
        XCTAssertEqual(LearningRateSchedule.power(initial: 0.01, decaySteps: 10_000, decayRate: 1).rate(at: 10_000), 0.005, accuracy: 1e-9)
        XCTAssertEqual(LearningRateSchedule.exponential(initial: 0.01, decaySteps: 1000, decayRate: 0.1, staircase: false).rate(at: 2000), 0.0001, accuracy: 1e-9)
        let p = LearningRateSchedule.piecewise(boundaries: [5, 15], values: [0.01, 0.005, 0.001])
        XCTAssertEqual([0, 5, 6, 15, 16].map { p.rate(at: $0) }, [0.01, 0.01, 0.005, 0.005, 0.001])
        let one = LearningRateSchedule.oneCycle(maxRate: 0.1, totalSteps: 100)
        XCTAssertLessThan(one.rate(at: 0), one.rate(at: 45))
        XCTAssertLessThan(one.rate(at: 99), one.rate(at: 45))
    }

    func testRegularizerAndMaxNormByHand() {
        let w = Tensor(shape: [2, 2], values: [1, -2, 3, 0.5])
        XCTAssertEqual(Regularizer(l1: 0.01).penalty(w), 0.065, accuracy: 1e-7)
        XCTAssertEqual(Regularizer(l2: 0.01).penalty(w), 0.1425, accuracy: 1e-7)
        let k = Tensor(shape: [2, 2], values: [3, 0.1, 4, 0.2])
        Constraint.maxNorm(1).apply(k)
        XCTAssertEqual(k[0, 0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(k[1, 0], 0.8, accuracy: 1e-6)
        XCTAssertEqual(k[0, 1], 0.1, accuracy: 1e-5)
    }
}

final class FastPathTests: XCTestCase {
    /// The fused SGD update (inside Dense.backward) must match the reference
    /// path (gradients, then Optimizer.update) to 1e-5.
    func testFusedSGDMatchesTheReferencePath() throws {
        func train(fused: Bool) throws -> [[Float]] {
            var rng = RandomGenerator(seed: 11)
            let (m, d) = try spiralsModel(n: 500, first: 32, second: 16, rule: SGD(), learningRate: 0.05, rng: &rng)
            m.allowFusedUpdates = fused
            _ = m.fit(train: d.train, validation: nil, options: FitOptions(epochs: 3, batchSize: 16), rng: &rng)
            XCTAssertEqual(m.optimizer!.iterations, 3 * 32)
            return m.parameters.map { $0.value.array }
        }
        let a = try train(fused: true), b = try train(fused: false)
        for (x, y) in zip(a, b) {
            for (u, v) in zip(x, y) { XCTAssertEqual(u, v, accuracy: 1e-5 * max(1, abs(v))) }
        }
    }

    /// The optimizer's per-variable updates split over two cores give the same bits as on one.
    func testOptimizerUpdateOnTwoCoresIsBitIdentical() throws {
        func train(twoCores: Bool) throws -> [[Float]] {
            Tuning.twoCores = twoCores
            defer { Tuning.twoCores = nil }
            var rng = RandomGenerator(seed: 4)
            let (m, d) = try spiralsModel(n: 400, first: 160, second: 120, rule: Nadam(), learningRate: 0.01, rng: &rng)
            _ = m.fit(train: d.train, validation: nil, options: FitOptions(epochs: 2, batchSize: 32), rng: &rng)
            return m.parameters.map { $0.value.array }
        }
        XCTAssertGreaterThanOrEqual(160 * 120, Parallel.minimumElements, "the update is large enough to split")
        XCTAssertEqual(try train(twoCores: true), try train(twoCores: false))
    }

    /// A step whose loss is not finite changes no weight on the fused path
    /// either (it used to update every dense layer inside the backward pass
    /// and the rest through the optimizer before the loss was looked at).
    func testFusedSGDSkipsTheUpdateOnANonFiniteLoss() throws {
        for fused in [true, false] {
            var rng = RandomGenerator(seed: 5)
            let m = Sequential()
            try m.add(Dense(units: 8, activation: .relu), rng: &rng)
            try m.add(BatchNormalization(), rng: &rng)
            try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
            try m.build(inputShape: [4], rng: &rng)
            m.loss = .sparseCategoricalCrossentropy
            m.optimizer = Optimizer(rule: SGD(), learningRate: 0.1)
            m.allowFusedUpdates = fused
            XCTAssertEqual(!m.plan().fusedSGDLayers.isEmpty, fused)
            let x = Tensor(shape: [2, 4], values: [1, 2, .nan, 4, 0.5, -1, 0, 2])
            let targets: [Float] = [0, 2]
            let before = m.parameters.filter(\.trainable).map { $0.value.array }
            let iterations = m.optimizer!.iterations
            let r = targets.withUnsafeBufferPointer { m.trainStep(x, targets: $0.baseAddress!, rng: &rng) }
            XCTAssertFalse(r.loss.isFinite)
            XCTAssertEqual(m.parameters.filter(\.trainable).map { $0.value.array }, before, "fused=\(fused): weights moved on a NaN loss")
            XCTAssertEqual(m.optimizer!.iterations, iterations, "fused=\(fused): the failed step was counted")
        }
    }
}

final class ConstraintAxisTests: XCTestCase {
    /// Values recorded from Keras 3.15.1 (JAX backend) on this matrix:
    /// `keras.constraints.MaxNorm(1.0, axis=…)(w)` and `UnitNorm(axis=…)(w)`.
    func testMaxNormAndUnitNormOnEitherAxisMatchKeras() {
        let w: [Float] = [3, 4, 0.5, 0, -2, 0.25]
        let cases: [(Constraint, [Float])] = [
            (.maxNorm(1, axis: 1), [0.5970223546028137, 0.796029806137085, 0.09950372576713562, 0.0, -0.9922778606414795, 0.12403473258018494]),
            (.maxNorm(1, axis: 0), [1.0, 0.8944271802902222, 0.49999988079071045, 0.0, -0.4472135901451111, 0.24999994039535522]),
            (.unitNorm(axis: 0), [1.0, 0.8944271802902222, 0.8944270014762878, 0.0, -0.4472135901451111, 0.4472135007381439]),
            (.unitNorm(axis: 1), [0.5970223546028137, 0.796029806137085, 0.09950372576713562, 0.0, -0.9922778606414795, 0.12403473258018494]),
        ]
        for (c, want) in cases {
            let t = Tensor(shape: [2, 3], values: w)
            c.apply(t)
            Check.close(t.array, want, rel: 1e-6, abs: 1e-7, c.name)
        }
        XCTAssertEqual(try Constraint(ComponentCall(parsing: "max_norm(1.5, axis=-1)")), .maxNorm(1.5, axis: 1))
        XCTAssertEqual(try Constraint(ComponentCall(parsing: "unit_norm")), .unitNorm(axis: 0))
        XCTAssertThrowsError(try Constraint(ComponentCall(parsing: "unit_norm(axis=2)")))
    }
}
