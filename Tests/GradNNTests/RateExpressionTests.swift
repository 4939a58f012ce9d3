import XCTest
@testable import GradNN
import GradTensor

/// The learning-rate expressions of `lr_scheduler`: Python's meaning, worked by hand.
final class RateExpressionTests: XCTestCase {
    func value(_ text: String, epoch: Int = 0, lr: Double = 0.01) throws -> Double {
        try RateExpression(text).value(epoch: epoch, lr: lr)
    }

    func testPythonPrecedenceAndOperators() throws {
        XCTAssertEqual(try value("-2 ** 2"), -4)            // ** binds tighter than unary minus
        XCTAssertEqual(try value("2 ** -1"), 0.5)
        XCTAssertEqual(try value("2 ** 3 ** 2"), 512)       // right-associative
        XCTAssertEqual(try value("7 // 2"), 3)
        XCTAssertEqual(try value("-7 // 2"), -4)            // floor division
        XCTAssertEqual(try value("-7 % 3"), 2)              // the divisor's sign
        XCTAssertEqual(try value("1 < 2 < 3"), 1)
        XCTAssertEqual(try value("3 > 2 > 2"), 0)           // chained: 3 > 2 and 2 > 2
        XCTAssertEqual(try value("0 or 5"), 5)
        XCTAssertEqual(try value("2 and 0"), 0)
        XCTAssertEqual(try value("not 0"), 1)
        XCTAssertEqual(try value("1e-3 * 2"), 0.002)
        XCTAssertEqual(try value("max(1, 3, 2) + min(4, 5) + abs(-1) + pow(2, 3)"), 16)
        XCTAssertEqual(try value("math.exp(0) + floor(1.5) + ceil(1.2)"), 4)
    }

    /// The book's functions for LearningRateScheduler.
    func testTheBooksSchedules() throws {
        // exponential_decay_fn: 0.01 · 0.1^(epoch/20): 0.001 at epoch 20, 0.0001 at 40.
        XCTAssertEqual(try value("0.01 * 0.1 ** (epoch / 20)", epoch: 20), 0.001, accuracy: 1e-15)
        XCTAssertEqual(try value("0.01 * 0.1 ** (epoch / 20)", epoch: 40), 0.0001, accuracy: 1e-16)
        // the (epoch, lr) form: lr · 0.1^(1/20) each epoch
        XCTAssertEqual(try value("lr * 0.1 ** (1 / 20)", lr: 1), Foundation.pow(0.1, 0.05), accuracy: 1e-15)
        // piecewise_constant_fn(epoch): 0.01 before 5, 0.005 before 15, then 0.001
        let p = "0.01 if epoch < 5 else 0.005 if epoch < 15 else 0.001"
        XCTAssertEqual(try [0, 4, 5, 14, 15, 30].map { try value(p, epoch: $0) }, [0.01, 0.01, 0.005, 0.005, 0.001, 0.001])
    }

    func testPythonTextMeansTheSame() throws {
        XCTAssertEqual(try RateExpression("-2 ** 2").python, "(-(2 ** 2))")
        XCTAssertEqual(try RateExpression("0.01 if epoch < 5 else exp(-epoch) * pi").python,
                       "(0.01 if (epoch < 5) else (math.exp((-epoch)) * math.pi))")
    }

    func testAnythingElseIsRefused() {
        for text in ["", "os.system(1)", "__import__('os')", "epoch.real", "lr * (", "lr lr", "x + 1", "exp(1, 2)", "min(1)",
                     "[1, 2]", "lambda: 1", "1; 2", "epoch = 3"] {
            XCTAssertThrowsError(try RateExpression(text), text)
        }
    }

    /// The callback sets each epoch's rate before its first step, epoch from 0 in each fit.
    func testSchedulerSetsTheRateBeforeEachEpoch() throws {
        var rng = RandomGenerator(seed: 3)
        let d = Synthetic.moons.generate(n: 200, noise: 0.1, rng: &rng)
        let m = Sequential()
        try m.add(Dense(units: 4, activation: .relu), rng: &rng)
        try m.add(Dense(units: 2, activation: .softmax), rng: &rng)
        try m.build(inputShape: [2], rng: &rng)
        m.loss = .sparseCategoricalCrossentropy
        m.optimizer = Optimizer(rule: SGD(), learningRate: 0.5)
        let s = LearningRateScheduler(try RateExpression("0.1 / (epoch + 1)"))
        _ = m.fit(train: d.train, validation: nil, options: FitOptions(epochs: 3, batchSize: 50, callbacks: [s]), rng: &rng)
        _ = m.fit(train: d.train, validation: nil, options: FitOptions(epochs: 1, batchSize: 50, callbacks: [s]), rng: &rng)
        XCTAssertEqual(m.history.epochs.map(\.learningRate), [0.1, 0.05, Double(Float(0.1 / 3)), 0.1].map { Double(Float($0)) })
        // From 0.5: 0.2, then −0.1, which is refused before training.
        guard case .failure = LearningRateScheduler(try RateExpression("lr - 0.3")).rates(epochs: 2, from: 0.5) else {
            return XCTFail("a negative rate was accepted")
        }
    }
}
