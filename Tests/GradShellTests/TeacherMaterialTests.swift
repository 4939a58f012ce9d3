import Foundation
import TestSupport
import XCTest

@testable import GradShell

/// What a teacher writing material needs: outputs filled in for a
/// hand-written transcript, `tutorial open PATH`, prose kept in exports.
final class TeacherMaterialTests: TemporaryDirectoryTestCase {
    let handWritten = """
        # A lesson

        First, some data.
        It is small.

        ```gradlab
        > seed 4
        ```

        ```gradlab
        > data xor n=120
        ```

        ```gradlab
        > model new
        > add dense 8 activation=tanh
        > add dense 2 activation=softmax
        > compile loss=sparse_categorical_crossentropy optimizer=adam metrics=accuracy
        > fit epochs=2
        > summary
        ```

        ```gradlab
        > expect epochs == 2
        ```
        """

    func testRecordFillsInEveryOutputAndTheResultReplaysWithCheck() throws {
        let path = dir + "/lesson.md"
        try Data(handWritten.utf8).write(to: URL(fileURLWithPath: path))
        let t = try Transcript.load(path)
        XCTAssertTrue(t.entries.allSatisfy { $0.output.isEmpty })
        let (filled, report) = Replayer.record(t, path: path, in: Session(seed: 42, sessionsDirectory: dir + "/s"))
        XCTAssertTrue(report.passed, report.failures.joined())
        let byCommand = Dictionary(filled.entries.map { ($0.command, $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(byCommand["data xor n=120"]?.output, "xor: train 120 × 2  test 24   (2 classes)")
        XCTAssertEqual(byCommand["fit epochs=2"]?.check, true, "training cells are checked: their bits are the same on every CPU")
        XCTAssertEqual(byCommand["summary"]?.check, true)
        XCTAssertTrue(
            byCommand["summary"]?.output.contains("Total params: 42") ?? false, byCommand["summary"]?.output ?? "")
        XCTAssertEqual(
            filled.items.filter {
                if case .prose = $0 { return true }
                return false
            }.count,
            t.items.filter {
                if case .prose = $0 { return true }
                return false
            }.count, "prose kept")
        try filled.write(to: path)
        let again = Replayer.replay(
            try Transcript.load(path), path: path, in: Session(seed: 42, sessionsDirectory: dir + "/s"), check: true)
        XCTAssertTrue(again.passed, again.failures.joined(separator: "\n"))
        XCTAssertGreaterThan(again.checked, 5)
        // The training cell's numbers are compared: its loss changed fails the replay.
        let fitOutput = try XCTUnwrap(byCommand["fit epochs=2"]?.output)
        let loss = try XCTUnwrap(fitOutput.firstMatch(of: #/loss: (\d\.\d+)/#)).1
        // Its first decimal, so that the change is well beyond the default tolerance (1e-3 relative).
        var digits = Array(loss)
        digits[2] = digits[2] == "9" ? "1" : "9"
        let tampered = String(digits)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "loss: \(loss)", with: "loss: \(tampered)").utf8).write(to: URL(fileURLWithPath: path))
        let changed = Replayer.replay(
            try Transcript.load(path), path: path, in: Session(seed: 42, sessionsDirectory: dir + "/s"), check: true)
        XCTAssertFalse(changed.passed, "a training cell whose loss differs must fail --check")
    }

    func testTutorialOpenTakesAPathAndAnExportAfterItKeepsTheProse() throws {
        let path = dir + "/lesson.md"
        try Data(handWritten.utf8).write(to: URL(fileURLWithPath: path))
        let s = Session(seed: 42, sessionsDirectory: dir + "/s")
        let c = s.run("tutorial open \(path)")
        XCTAssertFalse(c.failed, c.output)
        XCTAssertTrue(c.output.contains("0 failed"), c.output)
        XCTAssertTrue(
            s.cells.contains { $0.isProse && $0.input.contains("First, some data.\nIt is small.") },
            "the prose is in the session")
        s.run("# typed one")
        s.run("# typed two")
        XCTAssertFalse(s.run("export ipynb \(dir)/out.ipynb").failed)
        let nb =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out.ipynb")))
            as? [String: Any]
        let cells = try XCTUnwrap(nb?["cells"] as? [[String: Any]])
        let markdown = cells.filter { $0["cell_type"] as? String == "markdown" }.map {
            ($0["source"] as? [String] ?? []).joined()
        }
        XCTAssertTrue(markdown.contains { $0.contains("First, some data.\nIt is small.") }, "\(markdown)")
        XCTAssertTrue(
            markdown.contains("typed one\ntyped two"), "consecutive prose lines are one paragraph: \(markdown)")
    }
}
