import XCTest
@testable import GradNN
import GradTensor

/// Dense layers moved by the optimizer on the second core while the backward
/// pass goes on (`TrainingPlan.backgroundLayers`) must give the bits of the
/// plain order (every gradient, then the optimizer), on two cores and on one.
final class BackgroundUpdateTests: XCTestCase {
    /// Dense(200, elu) → BN → Dense(120, relu, max_norm(2) when `constrained`) → Dense(3, softmax),
    /// batches of 192 (and a last one of 64): in a full batch the first and last dense layers move
    /// in the background, the middle one (200 × 120 × 192 multiply-adds, split over two cores)
    /// with the rest, in two halves of its elements when it has no constraint; in the last batch
    /// the first and last are too small to hand over (`Tuning.backgroundWork`).
    private func train(_ rule: any OptimizerRule, weightDecay: Float? = nil, constrained: Bool = false,
                       background: Bool, twoCores: Bool) throws -> (values: [[UInt32]], slots: [[UInt32]], state: [String: String], iterations: Int) {
        Tuning.twoCores = twoCores
        defer { Tuning.twoCores = nil }
        var rng = RandomGenerator(seed: 21)
        let (m, d) = try spiralsModel(n: 640, first: 200, second: 120, constraint: constrained ? .maxNorm(2) : nil,
                                      rule: rule, learningRate: 0.01, weightDecay: weightDecay, rng: &rng)
        m.allowBackgroundUpdates = background
        XCTAssertEqual(m.plan().backgroundLayers, background ? [0, 2, 3] : [])
        _ = m.fit(train: d.train, validation: nil, options: FitOptions(epochs: 2, batchSize: 192), rng: &rng)
        for (layer, rows, moves) in [(0, 192, background), (3, 192, background), (2, 192, false), (0, 64, false), (3, 64, false)] {
            XCTAssertEqual(m.movesInBackground(layer, plan: m.plan(), rows: rows), moves, "layer \(layer), \(rows) rows")
        }
        let o = m.optimizer!
        return (m.parameters.map { $0.value.array.map(\.bitPattern) },
                m.parameters.flatMap { o.slots(of: $0).map { $0.array.map(\.bitPattern) } },
                o.scalarState, o.iterations)
    }

    /// How many values differ in bits (tensors of different sizes count whole).
    private func differing(_ a: [[UInt32]], _ b: [[UInt32]]) -> Int {
        guard a.count == b.count else { return max(a.count, b.count) }
        return zip(a, b).reduce(0) { n, p in
            n + (p.0.count == p.1.count ? zip(p.0, p.1).filter { $0 != $1 }.count : max(p.0.count, p.1.count))
        }
    }

    func testBackgroundUpdatesGiveTheBitsOfThePlainOrder() throws {
        let cases: [(String, any OptimizerRule, Float?, Bool)] = [
            ("nadam", Nadam(), nil, false),
            ("adam, max_norm", Adam(), nil, true),
            ("adamw (weight decay)", AdamW(), 0.004, false),
            ("sgd momentum nesterov", SGD(momentum: 0.9, nesterov: true), nil, false),
            ("rmsprop", RMSprop(), nil, false),
        ]
        for (name, rule, wd, constrained) in cases {
            let reference = try train(rule, weightDecay: wd, constrained: constrained, background: false, twoCores: false)
            XCTAssertEqual(reference.iterations, 2 * 4, name)
            for twoCores in [true, false] {
                let b = try train(rule, weightDecay: wd, constrained: constrained, background: true, twoCores: twoCores)
                XCTAssertEqual(differing(b.values, reference.values), 0, "\(name), two cores: \(twoCores): weights differing")
                XCTAssertEqual(differing(b.slots, reference.slots), 0, "\(name), two cores: \(twoCores): slot values differing")
                XCTAssertEqual(b.state, reference.state, "\(name), two cores: \(twoCores): scalars")
                XCTAssertEqual(b.iterations, reference.iterations, name)
            }
        }
    }

    /// A step whose loss is not finite moves nothing and counts nothing, with background layers too.
    func testANonFiniteStepMovesNothing() throws {
        Tuning.twoCores = true
        defer { Tuning.twoCores = nil }
        var rng = RandomGenerator(seed: 3)
        let m = Sequential()
        try m.add(Dense(units: 40, activation: .elu(alpha: 1)), rng: &rng)
        try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
        try m.build(inputShape: [4], rng: &rng)
        m.loss = .sparseCategoricalCrossentropy
        m.optimizer = Optimizer(rule: Nadam(), learningRate: 0.01)
        let plan = m.plan()
        XCTAssertEqual(plan.backgroundLayers, [0, 1])
        let x = Tensor(shape: [8, 4], values: (0..<32).map { Float($0) / 32 })
        let y: [Float] = [0, 1, 2, 0, 1, 2, 0, 1]
        _ = y.withUnsafeBufferPointer { m.trainStep(x, targets: $0.baseAddress!, plan: plan, rng: &rng) }
        let before = m.parameters.map { $0.value.array.map(\.bitPattern) }
        let state = m.optimizer!.scalarState
        x.data[5] = .nan
        let r = y.withUnsafeBufferPointer { m.trainStep(x, targets: $0.baseAddress!, plan: plan, rng: &rng) }
        XCTAssertTrue(r.loss.isNaN)
        XCTAssertEqual(m.parameters.map { $0.value.array.map(\.bitPattern) }, before)
        XCTAssertEqual(m.optimizer!.scalarState, state)
        XCTAssertEqual(m.optimizer!.iterations, 1)
    }
}
