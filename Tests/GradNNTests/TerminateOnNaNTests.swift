import Foundation
import GradTensor
import XCTest

@testable import GradNN

final class TerminateOnNaNTests: XCTestCase {
    func fit(learningRate: Float) throws -> (FitStop, [String], TerminateOnNaN) {
        var rng = RandomGenerator(seed: 5)
        let d = try Synthetic.moons.generate(n: 600, noise: 0.1, rng: &rng).withValidation(last: 100)
        let m = Sequential()
        try m.add(Dense(units: 16, activation: .linear), rng: &rng)
        try m.add(Dense(units: 16, activation: .linear), rng: &rng)
        try m.add(Dense(units: 2, activation: .softmax), rng: &rng)
        try m.build(inputShape: [2], rng: &rng)
        m.loss = .sparseCategoricalCrossentropy
        m.optimizer = Optimizer(rule: SGD(momentum: 0.9), learningRate: learningRate)
        let cb = TerminateOnNaN()
        var messages: [String] = []
        let stop = m.fit(
            train: d.train, validation: d.validation, options: FitOptions(epochs: 2, batchSize: 10, callbacks: [cb]),
            rng: &rng
        ) { if case .message(let s) = $0 { messages.append(s) } }
        return (stop, messages, cb)
    }

    func testStopsAtTheStepWhoseLossIsNotFinite() throws {
        let (stop, messages, cb) = try fit(learningRate: 1e4)
        guard case .nonFinite = stop else { return XCTFail("expected a stop at the non-finite loss, got \(stop)") }
        XCTAssertTrue(cb.stopTraining)
        let ours = messages.filter { $0.hasPrefix("terminate_on_nan: ") }
        XCTAssertEqual(ours.count, 1, messages.joined(separator: "\n"))
        XCTAssertTrue(ours[0].contains("invalid loss"), ours[0])
        XCTAssertTrue(
            messages.first?.hasPrefix("terminate_on_nan: epoch 1, step ") == true,
            "Keras' line comes first, then the diagnosis: \(messages)")
        XCTAssertEqual(messages.count, 2)
    }

    func testSilentWhileTheLossIsFinite() throws {
        let (stop, messages, cb) = try fit(learningRate: 0.01)
        XCTAssertEqual(stop, .finished)
        XCTAssertEqual(messages, [])
        XCTAssertFalse(cb.stopTraining)
    }
}
