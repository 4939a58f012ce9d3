import Foundation
import GradNN
import TestSupport
import XCTest

@testable import GradShell

/// `fit callbacks=tensorboard(…), csv_logger(…), terminate_on_nan` typed at the shell.
final class FitCallbacksTests: TemporaryDirectoryTestCase {
    func compiled() -> Session {
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        for line in [
            "data moons n=200 validation=40", "model new", "add dense 4 activation=relu",
            "add dense 2 activation=softmax", "compile optimizer=sgd",
        ] {
            let c = s.run(line)
            XCTAssertFalse(c.failed, "\(line) → \(c.output)")
        }
        return s
    }

    func testHelpFitListsTheCallbacks() {
        let out = Session(seed: 1, sessionsDirectory: dir).run("help fit").output
        for name in ["tensorboard(", "csv_logger(", "terminate_on_nan", "histogram_freq", "update_freq"] {
            XCTAssertTrue(out.contains(name), "help fit mentions \(name)")
        }
    }

    /// Keras 3's LearningRateScheduler and ReduceLROnPlateau put the epoch's rate
    /// in the logs, and its Progbar prints it (4 significant digits at or below 1e-3).
    func testRateCallbacksShowTheLearningRateOnTheEpochLine() {
        let s = compiled()
        let scheduled = s.run("fit epochs=2 callbacks=lr_scheduler(\"0.0001 * 0.1 ** epoch\")").output
        XCTAssertTrue(scheduled.contains("learning_rate: 1.0000e-04"), scheduled)
        XCTAssertTrue(scheduled.contains("learning_rate: 1.0000e-05"), scheduled)
        let plateau = s.run("fit epochs=1 callbacks=reduce_lr_on_plateau").output
        XCTAssertTrue(plateau.contains("learning_rate: 1.0000e-05") || plateau.contains("learning_rate: 0.0"), plateau)
        XCTAssertFalse(s.run("fit epochs=1").output.contains("learning_rate"), "no rate callback, no rate column (as Keras)")
    }

    func testCallbacksWriteTheirFiles() throws {
        let s = compiled()
        let c = s.run(
            "fit epochs=2 callbacks=tensorboard(log_dir=\(dir)/tb, histogram_freq=1, update_freq=batch), "
                + "csv_logger(\(dir)/log.csv), terminate_on_nan"
        )
        XCTAssertFalse(c.failed, c.output)
        let csv = try String(contentsOfFile: dir + "/log.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 3)
        XCTAssertEqual(csv.first, "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss")
        for sub in ["train", "validation"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/tb/" + sub)
            XCTAssertEqual(files.count, 1, sub)
            XCTAssertTrue(files[0].hasPrefix("events.out.tfevents.") && files[0].hasSuffix(".v2"), files[0])
        }
    }

    func testAnUnwritableLogDirFailsBeforeTraining() throws {
        let s = compiled()
        FileManager.default.createFile(atPath: dir + "/file", contents: Data("x".utf8))
        for line in [
            "fit epochs=2 callbacks=tensorboard(log_dir=\(dir)/file/logs)",
            "fit epochs=2 callbacks=csv_logger(\(dir)/file/log.csv)",
        ] {
            let c = s.run(line)
            XCTAssertTrue(c.failed, c.output)
            XCTAssertTrue(c.output.hasPrefix("error: "), c.output)
            XCTAssertEqual(c.output.split(separator: "\n").count, 1, "one line: \(c.output)")
            XCTAssertFalse(c.output.contains("Epoch"), "no training happened: \(c.output)")
        }
        XCTAssertEqual(s.model?.history.epochs.count ?? 0, 0, "a failed fit changes nothing")
    }

    func testBadArgumentsAreOneLine() {
        let s = compiled()
        for (line, words) in [
            ("fit callbacks=csv_logger", "needs a file"),
            ("fit callbacks=tensorboard(update_freq=sometimes)", "update_freq"),
            ("fit callbacks=tensorboard(histogram=1)", "histogram_freq"),
            ("fit callbacks=terminate_on_nan(patience=1)", "no argument"),
            ("fit callbacks=tensorbord", "tensorboard"),
        ] {
            let c = s.run(line)
            XCTAssertTrue(c.failed, "\(line) → \(c.output)")
            XCTAssertTrue(c.output.contains(words), "\(line) → \(c.output)")
            XCTAssertEqual(c.output.split(separator: "\n").count, 1, "\(line) → \(c.output)")
        }
    }
}
