import XCTest
@testable import GradNN

/// Keras 3's other learning-rate schedules, against values recorded from
/// Keras 3.15.1 (JAX backend, float32): `keras.optimizers.schedules.X(...)(step)`
/// at the steps below, printed as float32. Where 1 + cos(·) nearly cancels,
/// float32 cos differs in the last bits, so small rates are compared to
/// 2e-6 of 0.01, not of themselves.
final class ScheduleTests: XCTestCase {
    let steps = [0, 1, 5, 10, 37, 99, 100, 150, 250, 1000]

    func check(_ s: LearningRateSchedule, _ keras: [Double], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        for (step, k) in zip(steps, keras) {
            let v = Double(s.rate(at: step))
            XCTAssertEqual(v, k, accuracy: 2e-6 * max(abs(k), 0.01), "\(label) at step \(step)", file: file, line: line)
        }
    }

    func testCosineDecayRestartsAndPolynomialMatchKeras() throws {
        // CosineDecay(0.1, decay_steps=100, alpha=0.05)
        check(try LearningRateSchedule(ComponentCall(parsing: "cosine_decay(0.1, decay_steps=100, alpha=0.05)")),
              [0.10000000149011612, 0.0999765619635582, 0.09941519796848297, 0.09767518192529678, 0.07136452943086624,
               0.005023439880460501, 0.005000000353902578, 0.005000000353902578, 0.005000000353902578, 0.005000000353902578], "cosine")
        // CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10)
        check(try LearningRateSchedule(ComponentCall(parsing: "cosine_decay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10)")),
              [0.0, 0.010000000707805157, 0.05000000074505806, 0.10000000149011612, 0.08306559175252914, 0.002955961273983121,
               0.0024471760261803865, 0.0, 0.0, 0.0], "cosine with warm-up")
        // CosineDecayRestarts(0.1, first_decay_steps=30, t_mul=2.0, m_mul=0.5, alpha=0.01)
        check(try LearningRateSchedule(ComponentCall(parsing: "cosine_decay_restarts(0.1, first_decay_steps=30, m_mul=0.5, alpha=0.01)")),
              [0.10000000149011612, 0.09972883760929108, 0.09336826205253601, 0.07524999976158142, 0.04885611683130264,
               0.025408077985048294, 0.02532833255827427, 0.013374999165534973, 0.012546032667160034, 0.004053340759128332], "restarts")
        // CosineDecayRestarts(0.1, first_decay_steps=30, t_mul=1.0, m_mul=0.9)
        check(try LearningRateSchedule(ComponentCall(parsing: "cosine_decay_restarts(0.1, 30, t_mul=1, m_mul=0.9)")),
              [0.10000000149011612, 0.09972609579563141, 0.09330127388238907, 0.07500000298023224, 0.07844151556491852,
               0.05787476897239685, 0.05467500165104866, 0.05904899165034294, 0.03228504955768585, 0.0023177398834377527], "restarts t_mul=1")
        // PolynomialDecay(0.1, decay_steps=100, end_learning_rate=0.001, power=2.0)
        check(try LearningRateSchedule(ComponentCall(parsing: "polynomial_decay(0.1, decay_steps=100, end_learning_rate=0.001, power=2)")),
              [0.10000000149011612, 0.09802990406751633, 0.09034749865531921, 0.08118999749422073, 0.040293097496032715,
               0.0010099000064656138, 0.0010000000474974513, 0.0010000000474974513, 0.0010000000474974513, 0.0010000000474974513], "polynomial")
        // PolynomialDecay(0.1, decay_steps=100, end_learning_rate=0.001, power=0.5, cycle=True)
        check(try LearningRateSchedule(ComponentCall(parsing: "polynomial_decay(0.1, 100, 0.001, power=0.5, cycle=true)")),
              [0.10000000149011612, 0.09950375556945801, 0.0974932610988617, 0.09491964429616928, 0.07957881689071655,
               0.01089999545365572, 0.0010000000474974513, 0.05049999803304672, 0.041416581720113754, 0.0010000000474974513], "polynomial cycle")
    }

    /// Keras' names and argument names for the schedules gradlab had under short names.
    func testKerasNamesAndArgumentNames() throws {
        XCTAssertEqual(try LearningRateSchedule(ComponentCall(parsing: "exponential_decay(initial_learning_rate=0.01, decay_steps=20, decay_rate=0.1)")),
                       .exponential(initial: 0.01, decaySteps: 20, decayRate: 0.1, staircase: false))
        XCTAssertEqual(try LearningRateSchedule(ComponentCall(parsing: "exponential(initial=0.01, decay_steps=20, decay_rate=0.1, staircase=true)")),
                       .exponential(initial: 0.01, decaySteps: 20, decayRate: 0.1, staircase: true))
        XCTAssertEqual(try LearningRateSchedule(ComponentCall(parsing: "inverse_time_decay(0.01, 10000, 1)")),
                       .power(initial: 0.01, decaySteps: 10_000, decayRate: 1))
        XCTAssertEqual(try LearningRateSchedule(ComponentCall(parsing: "piecewise_constant_decay(boundaries=[5, 15], values=[0.01, 0.005, 0.001])")),
                       .piecewise(boundaries: [5, 15], values: [0.01, 0.005, 0.001]))
    }

    /// Keras' CosineDecay with a warm-up target and no warm-up steps decays from the target.
    func testCosineWarmupTargetWithoutWarmupSteps() throws {
        let s = try LearningRateSchedule(ComponentCall(parsing: "cosine_decay(0.1, decay_steps=100, warmup_target=0.2)"))
        XCTAssertEqual(s.rate(at: 0), 0.2, accuracy: 1e-7)
        XCTAssertEqual(s.rate(at: 50), 0.1, accuracy: 1e-6)
    }

    /// A schedule that would divide by zero, or lacks a required argument, is refused.
    func testBadSchedulesAreRefused() {
        for text in ["exponential_decay(0.01, decay_steps=0, decay_rate=0.1)", "power(0.01, decay_steps=0)",
                     "cosine_decay(0.1)",
                     "polynomial_decay(0.1, decay_steps=-5)", "piecewise(boundaries=[15, 5], values=[1, 2, 3])",
                     "piecewise(boundaries=[5], values=[1])", "cosine_decay_restarts(0.1, first_decay_steps=10, t_mul=2, warp=1)",
                     "linear_decay(0.1)"] {
            XCTAssertThrowsError(try LearningRateSchedule(ComponentCall(parsing: text)), text)
        }
    }

    /// The book's OneCycleScheduler(iterations=100, max_lr=0.1), worked by hand: start_lr 0.01,
    /// last_iterations 100 // 10 + 1 = 11, half_iteration (100 − 11) // 2 = 44, last_lr 1e-5.
    func testOneCycleIsTheBooksScheduler() throws {
        let s = try LearningRateSchedule(ComponentCall(parsing: "one_cycle(0.1, total_steps=100)"))
        let expected: [(Int, Float)] = [(0, 0.01), (22, 0.055), (44, 0.1), (66, 0.055), (88, 0.01), (94, 0.005005), (100, 1e-5), (150, 1e-5)]
        for (step, v) in expected { XCTAssertEqual(s.rate(at: step), v, accuracy: 1e-7 * max(1, v * 1e4), "step \(step)") }
        // start_rate, last_rate and last_steps as the book's start_lr, last_lr and last_iterations.
        let t = try LearningRateSchedule(ComponentCall(parsing: "one_cycle(0.1, 100, start_rate=0.02, last_rate=0.001, last_steps=20)"))
        XCTAssertEqual(t.rate(at: 0), 0.02, accuracy: 1e-9)
        XCTAssertEqual(t.rate(at: 40), 0.1, accuracy: 1e-9)     // half = (100 − 20) // 2
        XCTAssertEqual(t.rate(at: 90), 0.0105, accuracy: 1e-7)  // (0.001 − 0.02)·10/20 + 0.02
        XCTAssertThrowsError(try LearningRateSchedule(ComponentCall(parsing: "one_cycle(0.1, 100, last_steps=99)")))
    }

    /// A model saved before one_cycle took start_rate, last_rate and last_steps still loads.
    func testOneCycleSavedByAnEarlierVersionDecodes() throws {
        let old = #"{"oneCycle":{"maxRate":0.1,"totalSteps":100}}"#
        XCTAssertEqual(try JSONDecoder().decode(LearningRateSchedule.self, from: Data(old.utf8)), .oneCycle(maxRate: 0.1, totalSteps: 100))
    }

    /// InverseTimeDecay(0.01, decay_steps=10_000, decay_rate=1, staircase=True), by hand:
    /// 0.01 / (1 + floor(step / 10000)); Python's 10_000 is read as 10000.
    func testInverseTimeDecayStaircase() throws {
        let s = try LearningRateSchedule(ComponentCall(parsing: "inverse_time_decay(0.01, decay_steps=10_000, decay_rate=1, staircase=true)"))
        XCTAssertEqual([0, 9_999, 10_000, 25_000].map { s.rate(at: $0) }, [0.01, 0.01, 0.005, Float(0.01) / 3])
        XCTAssertThrowsError(try LearningRateSchedule(ComponentCall(parsing: "power(0.01, decay_steps=1__0)")))
    }
}
