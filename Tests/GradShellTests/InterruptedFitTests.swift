import Foundation
import GradNN
import TestSupport
@testable import GradShell
import XCTest

/// An interrupted `fit`: what the session keeps, what `expect` and `check`
/// see, and how its transcript replays.
final class InterruptedFitTests: TemporaryDirectoryTestCase {
    func session() -> Session { Session(seed: 42, sessionsDirectory: dir + "/sessions") }

    @discardableResult
    func ok(_ s: Session, _ line: String, file: StaticString = #filePath, l: UInt = #line) -> String {
        let c = s.run(line)
        XCTAssertFalse(c.failed, "\(line) → \(c.output)", file: file, line: l)
        return c.output
    }

    func weights(_ s: Session) -> [[Float]] { s.model!.parameters.map { $0.value.array } }

    /// 160 training samples in batches of 16: 10 steps an epoch. One complete
    /// fit of 2 epochs, then a fit of 5 interrupted at its 3rd epoch, step 4.
    func interruptedSession() -> Session {
        let s = session()
        for l in ["seed 1", "data moons n=200 validation=40", "model new", "add dense 8 activation=relu",
                  "add dense 2 activation=softmax", "compile optimizer=adam", "fit epochs=2 batch_size=16"] { ok(s, l) }
        var polls = 0
        s.interruptRequested = { polls += 1; return polls == 2 * 10 + 4 }
        let fit = ok(s, "fit epochs=5 batch_size=16")
        s.interruptRequested = { false }
        XCTAssertTrue(fit.contains("Epoch 3/5") && !fit.contains("Epoch 4/5"), fit)
        XCTAssertTrue(fit.contains("\n 4/10 ━━━━━━━━──"), "the partial epoch's steps are shown: \(fit)")
        XCTAssertTrue(fit.hasSuffix("interrupted at epoch 3, step 4/10: "
                                    + "the partial epoch is not in the history (4 complete epochs) "
                                    + "and its validation was not run; the weights learned so far are kept"), fit)
        return s
    }

    func testHistoryHoldsCompleteEpochsAndExpectAndCheckSeeTheLastOne() throws {
        let s = interruptedSession()
        let h = s.model!.history
        XCTAssertEqual(h.epochs.map(\.epoch), [1, 2, 3, 4])
        XCTAssertEqual(s.model!.optimizer!.iterations, 4 * 10 + 4, "the partial epoch's 4 steps are in the weights")
        let valAccuracy = try XCTUnwrap(h.last?.valAccuracy)
        XCTAssertEqual(ok(s, "expect epochs == 4"), "✓ epochs == 4  (got 4)")
        XCTAssertEqual(ok(s, "expect val_accuracy >= 0"),
                       "✓ val_accuracy >= 0  (got \(String(format: "%.6g", valAccuracy)))")
        XCTAssertEqual(ok(s, "expect loss > 0"), "✓ loss > 0  (got \(String(format: "%.6g", h.last!.loss)))",
                       "the loss of epoch 4, not of the partial 5th")
        let path = dir + "/ex.md"
        try "# Goals\n\n```gradlab\n> expect epochs == 4\n> expect val_accuracy >= 0\n> expect val_loss > 0\n```\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        // `exercise open` starts from a clean session; set the exercise directly to check this trained model.
        s.exercise = Exercise(try Transcript.load(path), path: path)
        let check = ok(s, "check")
        XCTAssertTrue(check.contains("3/3 goals met"), check)
        XCTAssertTrue(check.contains("val_accuracy >= 0  (got \(String(format: "%.6g", valAccuracy)))"), check)
        // The next fit continues the numbering after the complete epochs.
        ok(s, "fit epochs=1 batch_size=16")
        XCTAssertEqual(s.model!.history.epochs.map(\.epoch), [1, 2, 3, 4, 5])
    }

    func testTheTranscriptReplaysToTheSameStepAndTheSameBits() throws {
        let s = interruptedSession()
        ok(s, "evaluate")
        ok(s, "expect epochs == 4")
        let path = dir + "/interrupted.md"
        ok(s, "save session \(path)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("\ninterrupted at epoch 3, step 4/10: "), text)

        let r = session()
        let report = Replayer.replay(try Transcript.load(path), path: path, in: r, check: true)
        XCTAssertTrue(report.passed, report.failures.joined(separator: "\n"))
        XCTAssertEqual(report.checked, 9)
        XCTAssertNil(r.fitStopAfter, "the stop point is used once")
        XCTAssertEqual(r.model!.history.epochs.map(\.epoch), [1, 2, 3, 4])
        XCTAssertEqual(r.model!.optimizer!.iterations, s.model!.optimizer!.iterations)
        XCTAssertEqual(weights(r), weights(s), "byte-identical weights")
        var a = s.rng, b = r.rng
        XCTAssertEqual(a.next(), b.next(), "the generator is where the original left it")

        // Without the marker the replay trains the whole fit (and the check says the cell differs).
        let full = dir + "/full.md"
        let unmarked = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("interrupted at epoch ") }.joined(separator: "\n")
        try unmarked.write(toFile: full, atomically: true, encoding: .utf8)
        let f = session()
        let fullReport = Replayer.replay(try Transcript.load(full), path: full, in: f, check: true)
        XCTAssertEqual(f.model!.history.epochs.count, 7, "2 + 5 epochs")
        XCTAssertTrue(f.cells.contains { $0.output.contains("Epoch 5/5") })
        XCTAssertNotEqual(weights(f), weights(s))
        XCTAssertTrue(fullReport.failures.contains { $0.contains("> fit epochs=5 batch_size=16") },
                      fullReport.failures.joined())
        XCTAssertTrue(fullReport.failures.contains { $0.contains("expectation failed") }, fullReport.failures.joined())
    }

    func testTheMarkerRoundTrips() {
        let line = FitCommand.interruptionLine(at: FitPosition(epoch: 6, step: 121), steps: 1719, completeEpochs: 5,
                                               validated: true)
        XCTAssertEqual(line, "interrupted at epoch 6, step 121/1719: "
                       + "the partial epoch is not in the history (5 complete epochs) "
                       + "and its validation was not run; the weights learned so far are kept")
        XCTAssertEqual(FitCommand.recordedStop(in: "Epoch 6/10\n 121/1719 ━ 0s 1ms/step - loss: 0.5\n" + line),
                       FitPosition(epoch: 6, step: 121))
        XCTAssertEqual(FitCommand.interruptionLine(at: FitPosition(epoch: 1, step: 2), steps: 3, completeEpochs: 1,
                                                   validated: false),
                       "interrupted at epoch 1, step 2/3: the partial epoch is not in the history (1 complete epoch); "
                       + "the weights learned so far are kept")
        XCTAssertNil(FitCommand.recordedStop(in: "Epoch 1/1\n10/10 ━━━━━━━━━━ 0s 1ms/step - loss: 0.5"))
        XCTAssertNil(FitCommand.recordedStop(in: "interrupted at epoch x, step 2/3"))
    }
}
