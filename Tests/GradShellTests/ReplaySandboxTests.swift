import Foundation
import TestSupport
import XCTest

@testable import GradShell

/// A replay never changes a file: not the transcript, not its neighbours.
final class ReplaySandboxTests: TemporaryDirectoryTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try FileManager.default.createDirectory(atPath: dir + "/class", withIntermediateDirectories: true)
    }

    /// Every file under `dir`, with its bytes.
    func snapshot() -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: dir)
        while let f = e?.nextObject() as? String {
            if let d = FileManager.default.contents(atPath: dir + "/" + f) { out[f] = d }
        }
        return out
    }

    /// Runs `lines` in a session and saves them as a transcript at `path`.
    func record(_ lines: [String], to path: String) {
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        for l in lines { s.run(l) }
        try? Transcript(cells: s.cells, title: "hand-in").write(to: path)
    }

    func testAHandInThatSavesOverItselfAndItsNeighboursChangesNothing() throws {
        let folder = dir + "/class"
        record(
            [
                "seed 1", "data xor n=100", "model new", "add dense 4 activation=tanh",
                "add dense 2 activation=softmax",
                "compile loss=sparse_categorical_crossentropy optimizer=adam metrics=accuracy",
                "fit epochs=1 verbose=0",
                "save session \(folder)/handin-1.md", "save session \(folder)/handin-2.md",
                "export md \(folder)/exercise.md",
                "model save \(folder)/../model", "check",
            ], to: folder + "/handin-1.md")
        try Data("the other student's work\n".utf8).write(to: URL(fileURLWithPath: folder + "/handin-2.md"))
        try Data("the teacher's exercise\n".utf8).write(to: URL(fileURLWithPath: folder + "/exercise.md"))
        try FileManager.default.removeItem(atPath: dir + "/model")
        let before = snapshot()
        let s = Session(seed: 42, sessionsDirectory: dir + "/grading")
        let report = Replayer.replay(
            try Transcript.load(folder + "/handin-1.md"), path: folder + "/handin-1.md", in: s, check: true)
        XCTAssertEqual(snapshot(), before, "the replay changed files")
        XCTAssertTrue(report.passed, report.failures.joined(separator: " / ").replacingOccurrences(of: "\n", with: " ¶ "))
        let scratch = try XCTUnwrap(report.scratch)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        XCTAssertTrue(Replayer.summary(report).contains("files the transcript wrote went to \(scratch)/"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch + "/_root" + folder + "/handin-2.md"))
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: scratch + "/_root" + folder + "/model/model.json"),
            "`..` is dropped inside the scratch folder")
    }

    func testRelativePathsResolveAgainstTheTranscriptsFolderAndItsOwnWrites() throws {
        let folder = dir + "/class"
        try Data(
            "x,y,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n0.1,0.1,0\n0.9,0.1,1\n0.1,0.9,1\n0.9,0.9,0\n0.2,0.2,0\n0.8,0.2,1\n"
                .utf8
        )
        .write(to: URL(fileURLWithPath: folder + "/points.csv"))
        let lines = [
            "seed 2", "data csv points.csv", "model new", "add dense 2 activation=softmax",
            "compile loss=sparse_categorical_crossentropy optimizer=sgd", "model save mine", "model load mine",
            "summary",
        ]
        let here = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(folder)
        record(lines, to: folder + "/relative.md")
        try FileManager.default.removeItem(atPath: folder + "/mine")
        FileManager.default.changeCurrentDirectoryPath(dir)  // the teacher grades from elsewhere
        defer { FileManager.default.changeCurrentDirectoryPath(here) }
        let before = snapshot()
        let s = Session(seed: 42, sessionsDirectory: dir + "/grading")
        let report = Replayer.replay(
            try Transcript.load("class/relative.md"), path: "class/relative.md", in: s, check: true)
        XCTAssertTrue(report.passed, report.failures.joined(separator: " / ").replacingOccurrences(of: "\n", with: " ¶ "))
        XCTAssertEqual(report.cellsRun, lines.count)
        XCTAssertEqual(snapshot(), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/mine"))
        if let scratch = report.scratch { try? FileManager.default.removeItem(atPath: scratch) }
    }

    func testEveryDifferingLineOfACellIsReportedUpToACap() throws {
        let path = dir + "/class/edited.md"
        record(
            [
                "seed 1", "data moons n=200 validation=50", "model new", "add dense 8 activation=relu",
                "add dense 2 activation=softmax", "summary",
            ],
            to: path)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "(None, 8)", with: "(None, 9)").replacingOccurrences(
            of: "(None, 2)", with: "(None, 3)")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let report = Replayer.replay(
            try Transcript.load(path), path: path, in: Session(seed: 42, sessionsDirectory: dir + "/s"), check: true)
        let summaryFailure = try XCTUnwrap(report.failures.first { $0.contains("> summary") })
        let lines = summaryFailure.components(separatedBy: "expected:").count - 1
        XCTAssertEqual(lines, 2, "both edited lines of the summary are reported: \(summaryFailure)")
        let many = (0..<20).map { "line \($0)" }.joined(separator: "\n")
        let diff = try XCTUnwrap(
            OutputComparison.difference(
                expected: many, got: many.replacingOccurrences(of: "line", with: "row"),
                relative: 0, absolute: 0))
        XCTAssertEqual(diff.components(separatedBy: "expected:").count - 1, OutputComparison.reportedLines)
        XCTAssertTrue(diff.contains("and \(20 - OutputComparison.reportedLines) more differing lines"), diff)
    }

    func testAnEpochLineComparesEqualWhateverTheWidthItWasRecordedAt() {
        let wide = "Epoch 1/1\n57/57 ━━━━━━━━━━━━━━━━━━━━ 0s 79us/step - loss: 0.5106 - accuracy: 0.7733 - val_loss: 0.4850 - val_accuracy: 0.7700"
        let narrow = "Epoch 1/1\n57/57 ━━━━━━━━━━ 0s 81us/step - loss: 0.5106\n      - accuracy: 0.7733 - val_loss: 0.4850\n      - val_accuracy: 0.7700"
        XCTAssertNil(OutputComparison.difference(expected: wide, got: narrow, relative: 0, absolute: 0))
        XCTAssertNil(OutputComparison.difference(expected: narrow, got: wide, relative: 0, absolute: 0))
        let other = narrow.replacingOccurrences(of: "val_accuracy: 0.7700", with: "val_accuracy: 0.9700")
        XCTAssertNotNil(OutputComparison.difference(expected: wide, got: other, relative: 0, absolute: 0), "numbers still count")
    }

    func testTheSameTextIsEqualEvenWhenItReadsAsAnInfiniteNumber() {
        let path = "saved 7 cells to /tmp/gradlab-sandbox-F98B9357-20FE-433E-B624-40E6916C910C/class/handin-1.md"
        XCTAssertNil(OutputComparison.difference(expected: path, got: path, relative: 1e-3, absolute: 1e-6))
        XCTAssertNotNil(OutputComparison.difference(expected: "x 40E6916", got: "x 40E6917", relative: 1e-3, absolute: 1e-6))
    }

    /// `exercise submit` on a terminal put its coloured `check` into the hand-in,
    /// which then never reproduced; a transcript is plain whatever made its cells.
    func testATranscriptOfColouredCellsIsPlain() throws {
        let coloured = Style.pass("✓ pass", enabled: true) + "  val_accuracy >= 0.85  (got 0.9)"
        XCTAssertTrue(coloured.contains("\u{1B}"), "the test needs a coloured line")
        let t = Transcript(cells: [Cell(number: 1, input: "check", output: coloured)])
        XCTAssertFalse(t.render().contains("\u{1B}"))
        XCTAssertEqual(t.entries[0].output, "✓ pass  val_accuracy >= 0.85  (got 0.9)")
    }
}
