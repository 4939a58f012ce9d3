import XCTest
@testable import GradNN
import GradTensor

/// The flight recorder's checkpoints (every 50 steps of a fit) are taken
/// into the tensors of the one before: they must hold the values of the
/// moment they were taken, not alias the live weights or optimizer slots,
/// and bring both back exactly.
final class CheckpointReuseTests: XCTestCase {
    func testReusedCheckpointHoldsItsMomentAndRestoresIt() throws {
        var rng = RandomGenerator(seed: 11)
        let (m, d) = try smallMoonsModel(n: 400, validation: 100, hidden: 8, rule: Nadam(), learningRate: 0.01, rng: &rng)
        let opt = m.optimizer!
        func epoch() { _ = m.fit(train: d.train, validation: nil, options: FitOptions(epochs: 1, batchSize: 16), rng: &rng) }
        func slotValues() -> [[Float]] { m.parameters.flatMap { opt.slots(of: $0).map(\.array) } }

        epoch()
        let first = m.snapshot(), firstState = opt.saveState()
        epoch()
        let weights = m.snapshot().map(\.array), slots = slotValues(), iterations = opt.iterations
        XCTAssertFalse(slots.isEmpty, "Nadam keeps two slots per variable")

        let second = m.snapshot(reusing: first), secondState = opt.saveState(reusing: firstState)
        XCTAssertTrue(zip(second, first).allSatisfy { $0 === $1 }, "the earlier checkpoint's tensors are reused")
        XCTAssertEqual(second.map(\.array), weights)

        epoch()
        XCTAssertNotEqual(m.snapshot().map(\.array), weights, "training went on")
        XCTAssertEqual(second.map(\.array), weights, "the checkpoint does not follow the live weights")

        m.restore(second)
        opt.restoreState(secondState)
        XCTAssertEqual(m.snapshot().map(\.array), weights)
        XCTAssertEqual(slotValues(), slots)
        XCTAssertEqual(opt.iterations, iterations)

        // A checkpoint from another model's shape is not reused, only replaced.
        let fresh = m.snapshot(reusing: [Tensor(zeros: [1])])
        XCTAssertEqual(fresh.map(\.array), weights)
    }
}
