import Foundation
import GradNN
import TestSupport
import XCTest

@testable import GradShell

/// The book's notebook cells that gradlab now expresses, typed at the shell.
final class BookCellsTests: TemporaryDirectoryTestCase {
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

    /// Cell 106: `y_probas = np.stack([model(X_test, training=True) for sample in range(100)])`.
    /// passes= writes that stack, and its mean over the passes is the mean file= writes.
    func testPredictMCWritesEveryPassWhoseMeanIsTheMeanFile() throws {
        let s = session(["data moons n=200 validation=40", "model new", "add dense 8 activation=relu", "add dropout 0.3",
                         "add dense 2 activation=softmax", "compile optimizer=sgd", "fit 1 verbose=0"])
        let out = s.run("predict mc samples=7 file=\(dir)/mc.npy passes=\(dir)/probas.npy")
        XCTAssertFalse(out.failed, out.output)
        XCTAssertTrue(out.output.contains("every pass to \(dir)/probas.npy (float32 [7, 40, 2], the book's y_probas"), out.output)
        let stack = try NPY.load(path: dir + "/probas.npy")
        XCTAssertEqual(stack.shape, [7, 40, 2])
        guard case .float32(let p) = stack.values else { return XCTFail("float32") }
        let mean = try NPY.load(path: dir + "/mc.npy").floats, std = try NPY.load(path: dir + "/mc_std.npy").floats
        XCTAssertEqual(mean.count, 80)
        var spread = 0 as Float
        for i in 0..<80 {
            let column = (0..<7).map { Double(p[$0 * 80 + i]) }
            let m = column.reduce(0, +) / 7
            let sd = (column.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 7).squareRoot()
            XCTAssertEqual(Double(mean[i]), m, accuracy: 1e-6, "entry \(i): y_probas.mean(axis=0) is the mean file")
            XCTAssertEqual(Double(std[i]), sd, accuracy: 1e-5, "entry \(i): y_probas.std(axis=0) is the _std file")
            spread = max(spread, Float(sd))
        }
        XCTAssertGreaterThan(spread, 0, "the passes differ: dropout was on")
        // Each pass is a probability distribution per sample.
        for r in 0..<(7 * 40) { XCTAssertEqual(p[2 * r] + p[2 * r + 1], 1, accuracy: 1e-5) }

        // passes= alone writes only the stack; index= selects samples.
        let alone = s.run("predict mc samples=3 index=0..4 passes=\(dir)/few.npy")
        XCTAssertFalse(alone.failed, alone.output)
        XCTAssertEqual(try NPY.load(path: dir + "/few.npy").shape, [3, 5, 2])
        XCTAssertTrue(alone.output.contains("3 MC Dropout passes over 5 samples to \(dir)/few.npy"), alone.output)
    }

    func testPredictPassesRefusesWhatItCannotWriteAndChangesNothing() throws {
        let s = session(["data moons n=200 validation=40", "model new", "add dense 8 activation=relu", "add dropout 0.3",
                         "add dense 2 activation=softmax", "compile optimizer=sgd"])
        try Data("old".utf8).write(to: URL(fileURLWithPath: dir + "/keep.npy"))
        for (line, needle) in [("predict passes=\(dir)/keep.npy", "use `predict mc"),
                               ("predict mc samples=2 file=\(dir)/keep.npy passes=\(dir)/keep.npy", "another file"),
                               ("predict mc samples=2 file=\(dir)/a.npy passes=\(dir)/a_std.npy", "another file"),
                               ("predict mc samples=2 passes=\(dir)/keep.csv", "passes= names a NumPy .npy file"),
                               ("data moons n=4000 validation=40", ""),
                               ("predict mc samples=100000 split=train passes=\(dir)/keep.npy", "; the limit is 1.0 GiB: lower samples=")] {
            if needle.isEmpty { XCTAssertFalse(s.run(line).failed, line); continue }
            let before = s.rng
            let c = s.run(line)
            XCTAssertTrue(c.failed, "\(line): \(c.output)")
            XCTAssertTrue(c.output.contains(needle), "\(line): \(c.output)")
            XCTAssertEqual(c.output.split(separator: "\n").count, 1, "\(line): one line")
            var a = s.rng, b = before
            XCTAssertEqual(a.next(), b.next(), line)
        }
        XCTAssertEqual(try String(contentsOfFile: dir + "/keep.npy", encoding: .utf8), "old")
        // A failed write (a full disk) leaves the old file whole: the write is atomic.
        AtomicFile.failAfterBytes = 100
        defer { AtomicFile.failAfterBytes = nil }
        let c = s.run("predict mc samples=4 passes=\(dir)/keep.npy")
        XCTAssertTrue(c.failed, c.output)
        XCTAssertEqual(try String(contentsOfFile: dir + "/keep.npy", encoding: .utf8), "old")
    }
}
