import Foundation
@testable import GradShell
import XCTest

/// Exercises whose targets a student cannot read (issue 10): SHA-256 against
/// FIPS 180-4's published vectors, sealing, tamper detection, `check`.
final class SealedGoalTests: XCTestCase {
    var dir: String!
    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-seal-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testSHA256MatchesTheStandardsVectors() {
        // FIPS 180-4 examples (NIST CSRC "SHA256.pdf") and the empty message.
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testSealOpensToTheSameGoalAndHidesIt() throws {
        let g = SealedGoal(comparison: ">= 0.8573", hint: "try nadam")
        let word = g.seal()
        XCTAssertTrue(word.hasPrefix("sealed:"))
        XCTAssertFalse(word.contains("0.8573") || word.contains("nadam") || word.contains(">="))
        XCTAssertEqual(try SealedGoal.open(word), g)
        XCTAssertNotEqual(g.seal(), word, "a fresh salt each time: equal targets do not look equal")
        XCTAssertEqual(try SealedGoal.open(SealedGoal(comparison: "< 3", hint: nil).seal()).hint, nil)
    }

    func testAnyEditToASealIsDetected() {
        let word = SealedGoal(comparison: ">= 0.85", hint: "more epochs").seal()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let chars = Array(word)
        for i in SealedGoal.prefix.count..<chars.count {
            var edited = chars
            edited[i] = alphabet[(alphabet.firstIndex(of: chars[i])! + 1) % alphabet.count]
            // Changing the last character may touch only base64 padding bits: then it decodes to the same bytes.
            if let opened = try? SealedGoal.open(String(edited)) {
                XCTAssertEqual(opened, SealedGoal(comparison: ">= 0.85", hint: "more epochs"), "position \(i)")
                XCTAssertEqual(i, chars.count - 1, "only padding bits may be free")
            }
        }
        XCTAssertThrowsError(try SealedGoal.open("sealed:"))
        XCTAssertThrowsError(try SealedGoal.open("sealed:!!!!"))
        XCTAssertThrowsError(try SealedGoal.open(String(word.dropLast(4))))
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
                                ("exercise seal \(dir!)/missing.md \(out)", "no such file"),
                                ("expect epochs sealed:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "damaged"),
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
        let goals = try t.entries.filter { $0.command.hasPrefix("expect val_accuracy") }.map { e -> SealedGoal in
            try SealedGoal.open(String(e.command.split(separator: " ")[2]))
        }
        XCTAssertEqual(goals.first?.comparison, ">= 0.84", "the sealed copy holds the source's target")
    }
}
