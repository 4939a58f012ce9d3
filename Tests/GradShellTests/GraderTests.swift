import Foundation
import TestSupport
import XCTest

@testable import GradShell

/// The grader's pieces that need no child process: grading in-process, the
/// rule flags, and the CSV / Markdown reports.
final class GraderTests: TemporaryDirectoryTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try FileManager.default.createDirectory(atPath: dir + "/work", withIntermediateDirectories: true)
    }

    let exercise = """
        # Exercise: xor

        ```gradlab
        > data xor n=200
        ```

        ```gradlab
        > expect accuracy >= 0.6
        ```

        ```gradlab
        > expect layer 0 is dense
        ```
        """

    func handIn(_ lines: [String], name: String) throws -> String {
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        let here = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(dir + "/work")
        defer { FileManager.default.changeCurrentDirectoryPath(here) }
        for l in lines { s.run(l) }
        let path = dir + "/" + name
        try Transcript(cells: s.cells, title: "hand-in").write(to: path)
        return path
    }

    func testAnHonestHandInIsGradedOnTheTeachersGoalsAndALoadedModelIsFlagged() throws {
        try Data(exercise.utf8).write(to: URL(fileURLWithPath: dir + "/work/ex.md"))
        try Data(exercise.utf8).write(to: URL(fileURLWithPath: dir + "/teacher.md"))
        let work = [
            "seed 1", "exercise open ex.md", "data xor n=200", "model new", "add dense 16 activation=tanh",
            "add dense 2 activation=softmax",
            "compile loss=sparse_categorical_crossentropy optimizer=adam learning_rate=0.05 metrics=accuracy",
            "fit epochs=30 verbose=0", "check",
        ]
        let honest = try handIn(work, name: "honest.md")
        let r = Grader.grade(exercise: dir + "/teacher.md", handIn: honest)
        XCTAssertNil(r.error)
        XCTAssertTrue(r.reproduces)
        XCTAssertEqual(r.flags, [])
        XCTAssertEqual(r.goals.count, 2)
        XCTAssertEqual(r.goals[1], Grader.Goal(goal: "layer 0 is dense", met: true, value: "layer is dense (Dense)"))
        XCTAssertEqual(r.goalsMet, r.goals[0].met ? 2 : 1)
        // A hand-in that loads a model and uses other data.
        _ = try handIn(Array(work.prefix(7)) + ["model save mine"], name: "setup.md")
        let cheat = try handIn(
            ["seed 1", "exercise open ex.md", "data xor n=100", "model load mine", "check"], name: "cheat.md")
        let c = Grader.grade(exercise: dir + "/teacher.md", handIn: cheat)
        XCTAssertTrue(c.flags.contains { $0.hasPrefix("model loaded from a file") }, "\(c.flags)")
        XCTAssertTrue(c.flags.contains { $0.hasPrefix("other data than prescribed") }, "\(c.flags)")
        XCTAssertFalse(c.reproduces, "model load of a folder the hand-in does not carry fails at replay")
        let missing = Grader.grade(exercise: dir + "/teacher.md", handIn: dir + "/nope.md")
        XCTAssertEqual(missing.flags, ["unreadable"])
    }

    func testDataLinesCompareWhateverTheOrderOfTheirKeys() {
        XCTAssertEqual(Grader.canonicalData("data moons noise=0.2 n=400"), Grader.canonicalData("data moons n=400 noise=0.2"))
        XCTAssertNotEqual(
            Grader.canonicalData("data moons n=4000 noise=0.2"), Grader.canonicalData("data moons n=400 noise=0.2"))
    }

    func testCheckOutputIsReadBack() {
        let out = "✓ pass  val_accuracy >= 0.85  (got 0.9)\n✗ fail  epochs <= 5  (got 7) — hint: fewer\n1/2 goals met"
        XCTAssertEqual(
            Grader.parseCheck(out, count: 2),
            [
                Grader.Goal(goal: "val_accuracy >= 0.85", met: true, value: "0.9"),
                Grader.Goal(goal: "epochs <= 5", met: false, value: "7"),
            ])
    }

    func testTheCSVQuotesWhatNeedsQuotingAndHasOneRowPerHandIn() {
        let rows = [
            Grader.Result(
                file: "a, b.md", reproduces: true, goals: [Grader.Goal(goal: "x >= 1", met: true, value: "2")],
                flags: ["said \"hi\""], seconds: 1.25),
            Grader.Result(file: "c.md", flags: ["timed out"], error: "stopped after 5s"),
        ]
        let csv = GradeReport.csv(rows, goalCount: 1)
        XCTAssertEqual(
            csv,
            #"""
            file,reproduces,goals_met,goals_total,value: x >= 1,flags,seconds
            "a, b.md",yes,1,1,2,"said ""hi""",1.2
            c.md,,,1,,not graded: stopped after 5s; timed out,0.0

            """#)
        let md = GradeReport.markdown(rows, exercise: "ex.md", goalCount: 1)
        XCTAssertTrue(md.contains("2 hand-ins: 0 complete and clean, 2 flagged, 1 not graded."), md)
    }
}
