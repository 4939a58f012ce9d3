import Foundation
import TestSupport
@testable import GradShell
import XCTest

/// Exercises whose targets a student cannot read and whose rules a student
/// cannot edit: sealing (ChaCha20-Poly1305), what a seal is bound to, tamper
/// detection in a sealed file, `check`.
final class SealedGoalTests: TemporaryDirectoryTestCase {
    let at = SealedGoal.Binding(quantity: "val_accuracy", layer: nil, position: 2, count: 3, rules: ["expect epochs <= 10"])

    func testSealOpensToTheSameGoalAndHidesIt() throws {
        let g = SealedGoal(comparison: ">= 0.8573", hint: "try nadam")
        let word = g.seal(at)
        XCTAssertTrue(word.hasPrefix("sealed:"))
        XCTAssertFalse(word.contains("0.8573") || word.contains("nadam") || word.contains(">="))
        XCTAssertEqual(try SealedGoal.open(word, at), g)
        XCTAssertNotEqual(g.seal(at), word, "a fresh salt each time: equal targets do not look equal")
        XCTAssertEqual(try SealedGoal.open(SealedGoal(comparison: "< 3", hint: nil).seal(at), at).hint, nil)
    }

    func testASealOpensOnlyWhereItWasSealed() throws {
        let word = SealedGoal(comparison: ">= 0.85", hint: "more epochs").seal(at)
        var elsewhere: [SealedGoal.Binding] = []
        var b = at; b.quantity = "epochs"; elsewhere.append(b)
        b = at; b.layer = "2"; elsewhere.append(b)
        b = at; b.position = 1; elsewhere.append(b)
        b = at; b.count = 2; elsewhere.append(b)
        b = at; b.rules = []; elsewhere.append(b)
        b = at; b.rules = ["expect epochs <= 100"]; elsewhere.append(b)
        b = at; b.rules = ["expect epochs <= 10", "require data moons"]; elsewhere.append(b)
        for e in elsewhere {
            XCTAssertThrowsError(try SealedGoal.open(word, e), "\(e)") { error in
                XCTAssertTrue((error as? ShellError)?.message.contains("does not verify") == true, "\(error)")
            }
        }
        XCTAssertNoThrow(try SealedGoal.open(word, at))
    }

    func testAnyEditToASealIsDetected() {
        let word = SealedGoal(comparison: ">= 0.85", hint: "more epochs").seal(at)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let chars = Array(word)
        for i in SealedGoal.prefix.count..<chars.count {
            var edited = chars
            edited[i] = alphabet[(alphabet.firstIndex(of: chars[i])! + 1) % alphabet.count]
            // Changing the last character may touch only base64 padding bits: then it decodes to the same bytes.
            if let opened = try? SealedGoal.open(String(edited), at) {
                XCTAssertEqual(opened, SealedGoal(comparison: ">= 0.85", hint: "more epochs"), "position \(i)")
                XCTAssertEqual(i, chars.count - 1, "only padding bits may be free")
            }
        }
        XCTAssertThrowsError(try SealedGoal.open("sealed:", at))
        XCTAssertThrowsError(try SealedGoal.open("sealed:!!!!", at))
        XCTAssertThrowsError(try SealedGoal.open(String(word.dropLast(4)), at))
    }

    /// A stream cipher alone lets an edit flip chosen plaintext bits (`>=` into `<=`, a letter of the
    /// hint); the Poly1305 tag rejects both.
    func testFlippingTheOperatorOrTheHintInsideTheTokenIsRejected() throws {
        let word = SealedGoal(comparison: ">= 0.85", hint: "more epochs").seal(at)
        let bytes = SealedGoal.unbase64url(String(word.dropFirst(SealedGoal.prefix.count)))!
        let body = 1 + 8   // version byte and salt
        for (offset, flip) in [(0, UInt8(ascii: ">") ^ UInt8(ascii: "<")), (8, UInt8(ascii: "m") ^ UInt8(ascii: "l"))] {
            var edited = bytes
            edited[body + offset] ^= flip
            XCTAssertThrowsError(try SealedGoal.open(SealedGoal.prefix + SealedGoal.base64url(edited), at), "offset \(offset)")
        }
    }

    func testATokenOfTheFirstFormatAsksForANewSeal() {
        // Made by the SHA-256 keystream format, which had no version byte.
        let old = "sealed:z0LpO-58O8oqUupSmoBgR3XtDZOm"
        XCTAssertThrowsError(try SealedGoal.open(old, at)) { error in
            XCTAssertTrue((error as? ShellError)?.message.contains("older format") == true, "\(error)")
        }
    }

    func testSealingAnExerciseThenCheckingIt() throws {
        let src = dir + "/src.md", out = dir + "/ex.md"
        try """
        # Exercise
        Train a tiny model. The target is hidden.

        ```gradlab
        > expect epochs >= 3 hint="fit more epochs"
        > expect layer 0 is dense
        ```

        """.write(toFile: src, atomically: true, encoding: .utf8)
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        let sealed = s.run("exercise seal \(src) \(out)")
        XCTAssertFalse(sealed.failed, sealed.output)
        XCTAssertTrue(sealed.output.contains("sealed 1 goal"), sealed.output)
        XCTAssertTrue(sealed.output.contains("left readable: expect layer 0 is dense"), sealed.output)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertFalse(text.contains(">= 3") || text.contains("fit more epochs"), text)
        XCTAssertEqual(text.components(separatedBy: "# Exercise").count, 2, "the heading appears once")
        XCTAssertTrue(text.contains("> expect epochs sealed:"))

        let opened = s.run("exercise open \(out)")
        XCTAssertTrue(opened.output.contains("epochs vs a sealed target"), opened.output)
        XCTAssertFalse(opened.output.contains("fit more epochs"))
        for l in ["data moons n=100", "model new", "add dense 2 activation=softmax", "compile optimizer=sgd", "fit epochs=2"] {
            XCTAssertFalse(s.run(l).failed, l)
        }
        let fail = s.run("check").output
        XCTAssertTrue(fail.contains("✗ fail  epochs vs a sealed target  (got 2) — hint: fit more epochs"), fail)
        XCTAssertTrue(fail.contains("1/2 goals met"), fail)
        XCTAssertFalse(s.run("fit epochs=1").failed)
        let pass = s.run("check").output
        XCTAssertTrue(pass.contains("✓ pass  epochs vs a sealed target  (got 3)"), pass)
        XCTAssertFalse(pass.contains("hint"), pass)
        XCTAssertTrue(pass.contains("2/2 goals met"), pass)

        // The sealed line also works on its own, as in a replayed transcript.
        let line = text.split(separator: "\n").first { $0.hasPrefix("> expect epochs sealed:") }!.dropFirst(2)
        let direct = s.run(String(line))
        XCTAssertFalse(direct.failed, direct.output)
        XCTAssertEqual(direct.output, "✓ epochs vs a sealed target  (got 3)")
    }

    func testSealRefusalsChangeNothing() throws {
        let src = dir + "/src.md", out = dir + "/out.md"
        let source = "# E\n\n```gradlab\n> expect epochs >= 3\n```\n"
        try source.write(toFile: src, atomically: true, encoding: .utf8)
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        for (line, message) in [("exercise seal \(src) \(src)", "in place"), ("exercise seal \(src)", "SOURCE and OUT"),
                                ("exercise seal \(dir)/missing.md \(out)", "no such file"),
                                ("expect epochs sealed:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "within its exercise"),
                                ("expect epochs sealed:abc hint=x", "hint")] {
            let r = s.run(line)
            XCTAssertTrue(r.failed, line)
            XCTAssertTrue(r.output.contains(message), "\(line): \(r.output)")
        }
        XCTAssertEqual(try String(contentsOfFile: src, encoding: .utf8), source)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        try "# E\n\n```gradlab\n> expect layer 0 is dense\n```\n".write(toFile: src, atomically: true, encoding: .utf8)
        XCTAssertTrue(s.run("exercise seal \(src) \(out)").output.contains("no `expect QUANTITY OP NUMBER` goals"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testTheShippedExerciseHidesItsTarget() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let text = try String(contentsOfFile: root + "/tutorials/exercises/04-beat-the-instructor.md", encoding: .utf8)
        XCTAssertFalse(text.contains("0.84") || text.contains("nadam"))
        let source = try String(contentsOfFile: root + "/tutorials/src/exercises/04-beat-the-instructor.md", encoding: .utf8)
        XCTAssertTrue(source.contains("expect val_accuracy >= 0.84"))
        let t = try Transcript.parse(text)
        let ex = Exercise(t, path: "04-beat-the-instructor.md")
        let goals = try t.entries.filter { $0.command.hasPrefix("expect val_accuracy") }.map { e -> SealedGoal in
            try ExerciseCommand.expectation(ex, ex.expectations.firstIndex(of: e.command)!, Session()).goal.map {
                SealedGoal(comparison: "\($0.op) \($0.targetText)", hint: $0.hint)
            } ?? SealedGoal(comparison: "", hint: nil)
        }
        XCTAssertEqual(goals.first?.comparison, ">= 0.84", "the sealed copy holds the source's target")
    }

    /// The shipped-exercise attack (a sealed line's quantity swapped gave "exercise complete!"), and
    /// every other edit a student could make to the rules of a sealed exercise.
    func testEditsToASealedExerciseAreRejected() throws {
        let src = dir + "/src.md", out = dir + "/sealed.md"
        try """
        # Exercise T
        Train on the prescribed data.

        ```gradlab
        > require data moons n=200 validation=50
        > expect epochs <= 3 hint="three epochs at most"
        > expect val_accuracy >= 0.99 hint="train longer"
        ```

        """.write(toFile: src, atomically: true, encoding: .utf8)
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        let sealed = s.run("exercise seal \(src) \(out)")
        XCTAssertFalse(sealed.failed, sealed.output)
        XCTAssertTrue(sealed.output.contains("bound to the seals: require data moons n=200 validation=50"), sealed.output)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let epochsLine = lines.first { $0.hasPrefix("> expect epochs sealed:") }!
        let accuracyLine = lines.first { $0.hasPrefix("> expect val_accuracy sealed:") }!

        // The untouched copy opens.
        XCTAssertFalse(Session(seed: 42, sessionsDirectory: dir + "/sessions").run("exercise open \(out)").failed)

        let edits: [(String, String)] = [
            ("quantity swapped", text.replacingOccurrences(of: "> expect val_accuracy sealed:", with: "> expect epochs sealed:")),
            ("layer added", text.replacingOccurrences(of: "> expect val_accuracy sealed:", with: "> expect val_accuracy 1 sealed:")),
            ("goal deleted", text.replacingOccurrences(of: epochsLine + "\n", with: "")),
            ("goals reordered", text.replacingOccurrences(of: epochsLine, with: "@@").replacingOccurrences(of: accuracyLine, with: epochsLine)
                .replacingOccurrences(of: "@@", with: accuracyLine)),
            ("goal duplicated over another", text.replacingOccurrences(of: accuracyLine, with: epochsLine)),
            ("goal added", text.replacingOccurrences(of: accuracyLine, with: accuracyLine + "\n> expect layer_count >= 1")),
            ("data requirement loosened", text.replacingOccurrences(of: "n=200", with: "n=1000")),
            ("data requirement deleted", text.replacingOccurrences(of: "> require data moons n=200 validation=50\n", with: "")),
        ]
        for (what, edited) in edits {
            XCTAssertNotEqual(edited, text, what)
            try edited.write(toFile: out, atomically: true, encoding: .utf8)
            let fresh = Session(seed: 42, sessionsDirectory: dir + "/sessions")
            let r = fresh.run("exercise open \(out)")
            XCTAssertTrue(r.failed, "\(what): \(r.output)")
            XCTAssertTrue(r.output.contains("is broken") && (r.output.contains("does not verify") || r.output.contains("appears")),
                          "\(what): \(r.output)")
            XCTAssertNil(fresh.exercise, what)
        }

        // An exercise opened before its file was edited keeps its rules; an edited file met at `resume`
        // (which reads the file again) fails its goals instead of passing them.
        try text.replacingOccurrences(of: "> expect val_accuracy sealed:", with: "> expect epochs sealed:").write(toFile: out, atomically: true, encoding: .utf8)
        let t = try Transcript.load(out)
        let resumed = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        resumed.exercise = Exercise(t, path: out)
        for l in ["data moons n=200 validation=50", "model new", "add dense 2 activation=softmax",
                  "compile loss=sparse_categorical_crossentropy optimizer=sgd metrics=accuracy", "fit epochs=1"] {
            XCTAssertFalse(resumed.run(l).failed, l)
        }
        let check = resumed.run("check").output
        XCTAssertTrue(check.contains("✗ fail  epochs vs a sealed target  (this sealed goal does not verify"), check)
        XCTAssertFalse(check.contains("exercise complete"), check)
    }
}
