import Foundation
import TestSupport
@testable import GradShell
import XCTest

/// Exercises from a student's side: finding and opening one, a clean start,
/// the status of its goals, its data requirement, its epoch budget across
/// new and loaded models, and the hand-in.
final class ExerciseCommandTests: TemporaryDirectoryTestCase {
    var exercises: String { dir + "/tutorials/exercises" }

    static let moons = """
    <!-- gradlab: tolerance=0.01 abs=0.0001 -->

    # Exercise 1: moons

    Load the data:

        data moons n=200 validation=50

    ```gradlab
    > require data moons n=200 validation=50
    > expect epochs <= 3 hint="three epochs at most"
    > expect val_accuracy >= 0
    > expect layer_count >= 2
    ```

    """

    override func setUpWithError() throws {
        try super.setUpWithError()
        try FileManager.default.createDirectory(atPath: exercises, withIntermediateDirectories: true)
        try Self.moons.write(toFile: exercises + "/01-moons.md", atomically: true, encoding: .utf8)
        try "# Exercise 2: depth\n\n```gradlab\n> expect layer_count >= 21\n```\n"
            .write(toFile: exercises + "/02-depth.md", atomically: true, encoding: .utf8)
        try "not an exercise".write(toFile: exercises + "/README.md", atomically: true, encoding: .utf8)
    }

    func session() -> Session {
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        s.tutorialsDirectory = dir + "/tutorials"
        return s
    }

    @discardableResult
    func ok(_ s: Session, _ line: String, file: StaticString = #filePath, line l: UInt = #line) -> String {
        let c = s.run(line)
        XCTAssertFalse(c.failed, "\(line): \(c.output)", file: file, line: l)
        return c.output
    }

    func refused(_ s: Session, _ line: String, _ message: String, file: StaticString = #filePath, line l: UInt = #line) {
        let c = s.run(line)
        XCTAssertTrue(c.failed, "\(line) should fail: \(c.output)", file: file, line: l)
        XCTAssertTrue(c.output.contains(message), "\(line): \(c.output)", file: file, line: l)
    }

    let model = ["model new", "add dense 8 activation=relu", "add dense 2 activation=softmax",
                 "compile loss=sparse_categorical_crossentropy optimizer=adam metrics=accuracy"]

    func testListAndOpenByNumber() {
        let s = session()
        let list = ok(s, "exercise list")
        XCTAssertTrue(list.contains(" 1  Exercise 1: moons  (01-moons.md)"), list)
        XCTAssertTrue(list.contains(" 2  Exercise 2: depth  (02-depth.md)"), list)
        XCTAssertFalse(list.contains("README"), list)
        let opened = ok(s, "exercise open 1")
        XCTAssertTrue(opened.contains("Required (checked by `check`):\n  • data moons n=200 validation=50"), opened)
        XCTAssertTrue(opened.contains("Goals (3):\n  • epochs <= 3\n  • val_accuracy >= 0\n  • layer_count >= 2"), opened)
        XCTAssertEqual(s.exercise?.path, exercises + "/01-moons.md")
        refused(s, "exercise open 3", "exercise 3 does not exist; there are 2")
        ok(s, "exercise open 02-depth")
        XCTAssertEqual(s.exercise?.name, "02-depth")
        refused(session(), "exercise open", "needs a number or a PATH")
        let empty = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        empty.tutorialsDirectory = dir + "/nowhere"
        XCTAssertTrue(ok(empty, "exercise list").contains("no exercises found"))
    }

    func testOpeningOverLoadedWorkAsksForAFreshStart() {
        let s = session()
        for l in ["data moons n=300"] + model + ["fit epochs=2"] { ok(s, l) }
        ok(s, "model new")   // leaves an undo step that would bring the trained model back
        refused(s, "exercise open 1", "fresh=true")
        XCTAssertNil(s.exercise)
        XCTAssertNotNil(s.data, "a refused open changes nothing")
        XCTAssertNotNil(s.model)
        ok(s, "exercise open 1 fresh=true")
        XCTAssertNil(s.data)
        XCTAssertNil(s.model)
        XCTAssertEqual(s.exerciseTraining, TrainingLog())
        _ = s.run("undo")
        XCTAssertNil(s.model, "undo cannot bring back a model trained before the exercise")
    }

    /// A line of `exercise`: the state in a column, then the goal.
    func row(_ mark: String, _ text: String) -> String { "\n  " + mark.padding(toLength: 18, withPad: " ", startingAt: 0) + "  " + text }

    func testStatusShowsEachGoalAsMetNotMetOrNotMeasurable() {
        let s = session()
        refused(s, "exercise", "no exercise is open")
        ok(s, "exercise open 1")
        var status = ok(s, "exercise")
        XCTAssertTrue(status.hasPrefix("exercise: Exercise 1: moons (01-moons)"), status)
        XCTAssertTrue(status.contains(row("not met", "require data moons n=200 validation=50  (no data loaded yet")), status)
        XCTAssertTrue(status.contains(row("met", "epochs <= 3  (got 0)")), status)
        XCTAssertTrue(status.contains(row("not measurable yet", "val_accuracy >= 0  (no val_accuracy yet")), status)
        XCTAssertTrue(status.contains(row("not measurable yet", "layer_count >= 2  (no model yet")), status)
        for l in ["data moons n=200 validation=50"] + model + ["fit epochs=4"] { ok(s, l) }
        status = ok(s, "exercise")
        XCTAssertTrue(status.contains(row("met", "require data moons n=200 validation=50")), status)
        XCTAssertTrue(status.contains(row("not met", "epochs <= 3  (got 4)")), status)
        XCTAssertTrue(status.contains(row("met", "val_accuracy >= 0")), status)
        XCTAssertTrue(status.contains("4 epochs trained since `exercise open`"), status)
    }

    func testCheckNamesTheExerciseAndNeedsTheRequirementsForCompletion() {
        let s = session()
        ok(s, "exercise open 1")
        for l in ["data moons n=200 validation=50"] + model + ["fit epochs=1"] { ok(s, l) }
        let check = ok(s, "check")
        XCTAssertEqual(check.split(separator: "\n").first, "exercise: Exercise 1: moons (01-moons)")
        XCTAssertTrue(check.contains("✓ pass  require data moons n=200 validation=50\n"), check)
        XCTAssertTrue(check.hasSuffix("3/3 goals met — exercise complete!"), check)
    }

    /// The full set must not pass an exercise its subset fails: the data is compared by meaning.
    func testTheDataRequirement() {
        let s = session()
        ok(s, "exercise open 1")
        for l in ["data moons n=400 validation=50"] + model + ["fit epochs=1"] { ok(s, l) }
        var check = ok(s, "check")
        XCTAssertTrue(check.contains("✗ fail  require data moons n=200 validation=50 — the data was loaded with "
                                     + "`data moons n=400 validation=50`; load it with `data moons n=200 validation=50` and train again"), check)
        XCTAssertTrue(check.hasSuffix("3/3 goals met — but a requirement is not met, so the exercise is not complete"), check)
        refused(s, "require data moons n=200 validation=50", "requirement not met")

        // Loading the required data after training on other data does not pass either.
        ok(s, "data moons n=200 validation=50")
        check = ok(s, "check")
        XCTAssertTrue(check.contains("some epochs since `exercise open` trained on other data (`data moons n=400 validation=50`)"), check)
        XCTAssertFalse(check.contains("exercise complete"), check)

        // The same data spelled another way (order, defaults, the source's other name) meets it.
        let t = session()
        ok(t, "exercise open 1")
        for l in ["data moons validation=50 noise=0.1 n=200"] + model + ["fit epochs=1"] { ok(t, l) }
        XCTAssertTrue(ok(t, "check").hasSuffix("exercise complete!"))
        XCTAssertEqual(ok(t, "require data moons n=200 validation=50"), "✓ data moons n=200 validation=50")
        refused(t, "require data moons n=200 validation=5", "requirement not met")
        refused(t, "require data", "needs a SOURCE")
        refused(t, "require model", "usage: require data")
        refused(t, "require data moons bogus=1", "bogus")
    }

    func testTheEpochBudgetCountsEveryEpochAcrossModelNewLoadAndSearch() {
        let s = session()
        ok(s, "exercise open 1")
        ok(s, "data moons n=200 validation=50")
        for l in model + ["fit epochs=2", "model save \(dir)/two"] { ok(s, l) }
        XCTAssertTrue(ok(s, "expect epochs <= 3").contains("(got 2)"))
        // A new model does not refill the budget…
        for l in model + ["fit epochs=2"] { ok(s, l) }
        refused(s, "expect epochs <= 3", "got 4")
        XCTAssertTrue(ok(s, "check").contains("✗ fail  epochs <= 3  (got 4) — hint: three epochs at most"))
        // …nor does loading the model saved after two epochs.
        ok(s, "model load \(dir)/two")
        XCTAssertEqual(s.model?.history.epochs.count, 2)
        refused(s, "expect epochs <= 3", "got 4")
        // Trials of a search train too.
        ok(s, "search learning_rate=0.001,0.01 trials=2 epochs=1")
        refused(s, "expect epochs <= 3", "got 6")
        // A model trained before the exercise brings its epochs along when loaded.
        let t = session()
        ok(t, "exercise open 1")
        ok(t, "data moons n=200 validation=50")
        // (Another model than `two`'s: the same seed and model would train the very same first epoch.)
        for l in ["model new", "add dense 4 activation=relu", "add dense 2 activation=softmax",
                  "compile loss=sparse_categorical_crossentropy optimizer=adam metrics=accuracy", "fit epochs=1"] { ok(t, l) }
        ok(t, "model load \(dir)/two")
        refused(t, "expect epochs <= 2", "got 3")   // 1 here, 2 brought in
        XCTAssertTrue(ok(t, "check").contains("some epochs since `exercise open` trained on other data "
                                              + "(`a model trained elsewhere (\(dir)/two)`)"))
        ok(t, "model load \(dir)/two")
        refused(t, "expect epochs <= 2", "got 3")   // counted once
        // Layers reused from a model trained elsewhere bring its epochs too; from one trained here they do not.
        let u = session()
        ok(u, "exercise open 1")
        ok(u, "data moons n=200 validation=50")
        ok(u, "model reuse \(dir)/two layers=0")
        XCTAssertTrue(ok(u, "expect epochs <= 3").contains("(got 2)"))
        for l in model + ["fit epochs=1", "model save \(dir)/one", "model reuse \(dir)/one layers=0"] { ok(u, l) }
        XCTAssertTrue(ok(u, "expect epochs <= 3").contains("(got 3)"))
        // Opening the exercise again starts the count again.
        ok(s, "exercise open 1 fresh=true")
        XCTAssertTrue(ok(s, "expect epochs <= 3").contains("(got 0)"))
    }

    func testTheTrainingLogSurvivesAResume() throws {
        let s = session()
        s.autosave = Autosave(sessionsDirectory: s.sessionsDirectory)
        ok(s, "exercise open 1")
        for l in ["data moons n=200 validation=50"] + model + ["fit epochs=2", "model new"] { ok(s, l) }
        let folder = try XCTUnwrap(s.autosave?.folder)
        let back = session()
        _ = try Autosave.restore(from: folder, into: back)
        XCTAssertEqual(back.exerciseTraining.epochs, 2)
        XCTAssertEqual(back.exerciseTraining.dataLines, ["data moons n=200 validation=50"])
        refused(back, "fit epochs=2", "no layers")   // the new model has no layers; the budget stays at 2
        XCTAssertTrue(ok(back, "expect epochs <= 3").contains("(got 2)"))
    }

    func testSubmitWritesOneCleanTranscriptThatReplays() throws {
        let s = session()
        ok(s, "help fit")
        ok(s, "exercise open 1")
        ok(s, "# My notes: a small net.")
        ok(s, "help")
        ok(s, "data moons n=200 validation=50")
        _ = s.run("fit epochs=banana")
        for l in model + ["history", "explain optimizer", "fit epochs=2", "check", "exercise"] { ok(s, l) }
        refused(s, "exercise submit ../evil", "NAME is up to 40 letters")
        let out = ok(s, "exercise submit ada")
        XCTAssertTrue(out.hasPrefix("exercise: Exercise 1: moons"), out)
        XCTAssertTrue(out.contains("3/3 goals met — exercise complete!"), out)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/sessions").filter { $0.hasPrefix("handin-") }
        XCTAssertEqual(files.count, 1)
        let name = try XCTUnwrap(files.first)
        XCTAssertTrue(name.range(of: #"^handin-01-moons-ada-\d{4}-\d\d-\d\d-\d{4}\.md$"#, options: .regularExpression) != nil, name)
        XCTAssertTrue(out.hasSuffix("handed in: \(dir)/sessions/\(name) (\(2 + 1 + 1 + model.count + 2) cells)"), out)
        let path = dir + "/sessions/" + name
        let t = try Transcript.load(path)
        XCTAssertEqual(t.title, "Hand-in: Exercise 1: moons")
        XCTAssertEqual(t.relativeTolerance, 0.01)
        XCTAssertEqual(t.entries.map(\.command), ["exercise open 01-moons", "seed 42", "data moons n=200 validation=50"]
                       + model + ["fit epochs=2", "check"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("My notes: a small net."), text)
        XCTAssertTrue(t.entries.last!.output.hasSuffix("3/3 goals met — exercise complete!"))

        // A hand-in that loads a file from the student's computer says so.
        ok(s, "model save \(dir)/mine")
        ok(s, "model load \(dir)/mine")
        XCTAssertTrue(ok(s, "exercise submit").contains("note: it reads files from this computer, which a teacher replaying it "
                                                        + "will not have: `model load \(dir)/mine`"))

        // A second hand-in in the same minute gets its own file.
        ok(s, "exercise submit ada")
        let all = try FileManager.default.contentsOfDirectory(atPath: dir + "/sessions").filter { $0.hasPrefix("handin-") }
        XCTAssertEqual(all.count, 3)
        XCTAssertEqual(all.filter { $0.hasPrefix("handin-01-moons-ada-") }.count, 2, "the same name and minute: a second file")

        // The teacher replays it in a fresh session: every output, the final check included, holds.
        let teacher = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        teacher.tutorialsDirectory = dir + "/tutorials"
        let replay = ok(teacher, "replay \(path) --check")
        XCTAssertTrue(replay.hasSuffix("\(t.entries.count) cells run, \(t.entries.count) checked, 0 failed"), replay)
    }

    /// The executable finds the tutorials as `<bin>/../../tutorials`, and resume
    /// keeps the exercise's resolved path: a shipped exercise must still go into
    /// the hand-in by name, not by this machine's path.
    func testAShippedExerciseIsHandedInByNameAfterAResume() throws {
        let tutorials = dir + "/tutorials/exercises/../../tutorials"
        let first = session()
        first.tutorialsDirectory = tutorials
        first.autosave = Autosave(sessionsDirectory: first.sessionsDirectory)
        ok(first, "exercise open 1")
        let folder = try XCTUnwrap(first.autosave?.folder)
        let s = session()
        s.tutorialsDirectory = tutorials
        ok(s, "resume \(folder)")
        ok(s, "exercise submit ada")
        let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir + "/sessions").first { $0.hasPrefix("handin-") })
        let text = try String(contentsOfFile: dir + "/sessions/" + name, encoding: .utf8)
        XCTAssertTrue(text.contains("\n> exercise open 01-moons\n"), text)
    }

    func testSubmitNeedsAnOpenExercise() {
        refused(session(), "exercise submit", "no exercise is open")
    }

    /// A readable exercise can be edited on the student's computer, but the teacher replays the hand-in
    /// against the teacher's copy: the recorded goals and the final check no longer match.
    func testAHandInOfAnEditedExerciseFailsTheTeachersReplay() throws {
        let student = session()
        student.tutorialsDirectory = dir + "/student"
        try FileManager.default.createDirectory(atPath: dir + "/student/exercises", withIntermediateDirectories: true)
        try Self.moons.replacingOccurrences(of: "> expect epochs <= 3", with: "> expect epochs <= 30")
            .write(toFile: dir + "/student/exercises/01-moons.md", atomically: true, encoding: .utf8)
        ok(student, "exercise open 1")
        for l in ["data moons n=200 validation=50"] + model + ["fit epochs=5"] { ok(student, l) }
        XCTAssertTrue(ok(student, "exercise submit").contains("exercise complete!"))
        let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir + "/sessions").first { $0.hasPrefix("handin-") })
        let teacher = session()
        let replay = teacher.run("replay \(dir)/sessions/\(name) --check").output
        XCTAssertTrue(replay.contains("FAIL"), replay)
        XCTAssertTrue(replay.contains("epochs <= 30"), replay)
        XCTAssertFalse(replay.hasSuffix(" 0 failed"), replay)
    }

    /// `exercise submit`'s hand-in graded by the teacher's grader: found by name in the teacher's copy,
    /// requirements neither counted as goals nor ignored.
    func testTheGraderReadsASubmittedHandIn() throws {
        let s = session()
        ok(s, "exercise open 1")
        for l in ["data moons n=400 validation=50"] + model + ["fit epochs=1"] { ok(s, l) }
        _ = ok(s, "exercise submit")
        let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir + "/sessions").first { $0.hasPrefix("handin-") })
        let r = Grader.grade(exercise: exercises + "/01-moons.md", handIn: dir + "/sessions/" + name)
        XCTAssertNil(r.error)
        XCTAssertTrue(r.reproduces, "\(r.flags)")
        XCTAssertEqual(r.goals.map(\.goal), ["epochs <= 3", "val_accuracy >= 0", "layer_count >= 2"])
        XCTAssertTrue(r.flags.contains { $0.hasPrefix("requirement not met (require data moons n=200 validation=50 — the data was loaded") },
                      "\(r.flags)")
    }
}
