import Foundation
import GradNN
import XCTest

@testable import GradShell

/// The book's notebook cells that gradlab now expresses, typed at the shell.
final class BookCellsTests: XCTestCase {
    var dir = ""

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-book-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func session(_ lines: [String]) -> Session {
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        for line in lines {
            let c = s.run(line)
            XCTAssertFalse(c.failed, "\(line) → \(c.output)")
        }
        return s
    }

    /// `model.predict(X)` to a file: the .npy holds one row of probabilities per sample.
    func testPredictWritesAnNPYArrayOfProbabilities() throws {
        let s = session(["data moons n=200 validation=40", "model new", "add dense 4 activation=relu", "add dropout 0.2",
                         "add dense 2 activation=softmax", "compile optimizer=sgd", "fit 1 verbose=0",
                         "predict file=\(dir)/p.npy", "predict mc samples=5 index=0..9 file=\(dir)/mc.npy"])
        let a = try NPY.load(path: dir + "/p.npy")
        XCTAssertEqual(a.shape, [40, 2])
        let mean = try NPY.load(path: dir + "/mc.npy"), std = try NPY.load(path: dir + "/mc_std.npy")
        XCTAssertEqual(mean.shape, [10, 2])
        XCTAssertEqual(std.shape, [10, 2])
        XCTAssertTrue(s.run("predict file=\(dir)/p.csv").failed, "only .npy")
    }

    /// `SGD(learning_rate=ExponentialDecay(…))`, `fit(validation_split=0.1)` and
    /// `LearningRateScheduler(fn)` as the book writes them.
    func testTheBooksScheduleAndSplitForms() {
        let s = session(["data moons n=400", "model new", "add dense 4 activation=relu", "add dense 2 activation=softmax",
                         "compile optimizer=sgd(learning_rate=exponential_decay(0.01, decay_steps=20, decay_rate=0.1)) metrics=[accuracy]",
                         "fit 1 validation_split=0.1 verbose=0"])
        XCTAssertNotNil(s.model?.history.last?.valLoss, "validation_split validates")
        XCTAssertTrue(s.run("fit 1 callbacks=lr_scheduler(\"lr * 0.5\")").failed, "refused under a compiled schedule")
        let t = session(["data moons n=400", "model new", "add dense 2 activation=softmax", "compile optimizer=sgd(learning_rate=0.01)",
                         "fit 2 verbose=0 callbacks=lr_scheduler(\"0.01 * 0.1 ** (epoch / 20)\")"])
        XCTAssertEqual(t.model?.history.epochs.map(\.learningRate) ?? [], [Double(Float(0.01)), Double(Float(0.01 * pow(0.1, 0.05)))])
    }
}
