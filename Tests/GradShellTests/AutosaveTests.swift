import Foundation
import GradNN
import TestSupport
import XCTest

@testable import GradShell

/// Resume: a session abandoned after any cell (as `kill -9` leaves it) and
/// resumed in a new session continues with exactly the same bits.
final class AutosaveTests: TemporaryDirectoryTestCase {
    override func tearDownWithError() throws {
        AtomicFile.failAfterBytes = nil
        try super.tearDownWithError()
    }

    /// A session that saves itself, as an interactive one does.
    func autosaving() -> Session {
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        s.autosave = Autosave(sessionsDirectory: s.sessionsDirectory)
        return s
    }

    /// Dropout (draws from the generator), BatchNormalization (moving statistics),
    /// Nadam with a schedule and clipping (slots, iterations, the momentum
    /// product), shuffled epochs, synthetic data.
    let lines = [
        "seed 3",
        "data moons n=300 noise=0.2 validation=60",
        "model new",
        "add dense 32 activation=elu kernel_initializer=he_normal use_bias=false",
        "add batchnorm",
        "add dropout 0.2",
        "add dense 2 activation=softmax",
        "compile loss=sparse_categorical_crossentropy optimizer=nadam learning_rate=exponential(0.01, decay_steps=20, decay_rate=0.5) clipnorm=1.0 metrics=accuracy",
        "fit epochs=2 batch_size=16",
        "# a note between two fits",
        "fit epochs=1 batch_size=32",
        "predict mc samples=5 index=0..1",
        "fit epochs=1",
    ]

    /// The variables, the optimizer's slots and step, the generator (`Session.stateFingerprint`
    /// without object identities, and without the undo stack and folders, which a resumed
    /// session does not share with the straight run).
    func fingerprint(_ s: Session) -> [String] {
        s.stateFingerprint(identities: false).filter { !$0.hasPrefix("undo ") && !$0.hasPrefix("roots ") }
    }

    func testResumingAfterAnyCellGivesTheSameBitsAsRunningStraightThrough() throws {
        let straight = Session(seed: 42, sessionsDirectory: dir + "/straight")
        for l in lines { XCTAssertFalse(straight.run(l).failed, l) }
        let expected = fingerprint(straight)
        XCTAssertGreaterThan(expected.count, 5)
        for cut in [2, 7, 9, 10, 11, 12] {
            let first = autosaving()
            for l in lines[..<cut] { XCTAssertFalse(first.run(l).failed, l) }
            let folder = try XCTUnwrap(first.autosave?.folder)
            // The first session is abandoned here, as kill -9 would leave it.
            let second = Session(seed: 1, sessionsDirectory: dir + "/sessions")
            let out = second.run("resume \(folder)")
            XCTAssertFalse(out.failed, out.output)
            XCTAssertEqual(second.cells.count, cut, "cut \(cut): the cells come back")
            for l in lines[cut...] { XCTAssertFalse(second.run(l).failed, l) }
            let got = fingerprint(second)
            let differing = zip(got, expected).filter { $0 != $1 }.map { String($0.0.prefix(40)) }
            XCTAssertTrue(
                got == expected,
                "resumed after cell \(cut): \(differing.count) of \(expected.count) entries differ: \(differing)")
        }
    }

    func testEachSessionKeepsItsOwnFolderAndTheNextStartDoesNotOverwriteIt() throws {
        let first = autosaving()
        for l in lines[..<9] { first.run(l) }
        let folder = try XCTUnwrap(first.autosave?.folder)
        let before = try Data(contentsOf: URL(fileURLWithPath: folder + "/state.json"))
        let next = autosaving()
        next.run("help")
        XCTAssertNotEqual(next.autosave?.folder, folder)
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: folder + "/state.json")), before,
            "the earlier session's autosave is untouched")
        let listed = next.run("resume list").output
        XCTAssertTrue(listed.contains(folder), listed)
        XCTAssertTrue(listed.contains("9 cells"), listed)
        XCTAssertTrue(listed.contains("did not end cleanly"), listed)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/session.md"))
    }

    func testOldAutosavesAreRotated() throws {
        for _ in 0..<(Autosave.kept + 3) {
            let s = autosaving()
            s.run("seed 1")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/sessions/autosave")
        XCTAssertEqual(names.count, Autosave.kept)
    }

    func testAFailedWriteKeepsTheLastGoodStateAndWarnsOnce() throws {
        let s = autosaving()
        var warnings: [String] = []
        s.onLine = { if $0.hasPrefix("warning: autosave") { warnings.append($0) } }
        for l in lines[..<9] { s.run(l) }
        let folder = try XCTUnwrap(s.autosave?.folder)
        let good = fingerprint(s)
        AtomicFile.failAfterBytes = 100  // the disk is full from now on
        s.run("fit epochs=1")
        s.run("fit epochs=1")
        XCTAssertEqual(warnings.count, 1, "one warning, not one per cell: \(warnings)")
        AtomicFile.failAfterBytes = nil
        let resumed = Session(seed: 1, sessionsDirectory: dir + "/other")
        XCTAssertFalse(resumed.run("resume \(folder)").failed)
        XCTAssertTrue(fingerprint(resumed) == good, "the state after the last good write")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "no temporary files left behind")
    }

    func testResumeOfSomethingElseFailsAndChangesNothing() throws {
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        for l in lines[..<3] { s.run(l) }
        let cells = s.cells
        try FileManager.default.createDirectory(atPath: dir + "/bogus", withIntermediateDirectories: true)
        try Data("{\"format\": \"nope\"}".utf8).write(to: URL(fileURLWithPath: dir + "/bogus/state.json"))
        for bad in ["resume \(dir)/bogus", "resume \(dir)/missing", "resume 7"] {
            let c = s.run(bad)
            XCTAssertTrue(c.failed, c.output)
            XCTAssertTrue(c.output.hasPrefix("error: "), c.output)
        }
        XCTAssertEqual(s.cells.filter { !$0.failed }, cells)
        XCTAssertNotNil(s.data)
    }

    func testQuitIsNotPartOfTheResumedCells() throws {
        let s = autosaving()
        s.run("seed 5")
        s.run("data xor n=100")
        s.run("quit")
        let folder = try XCTUnwrap(s.autosave?.folder)
        let r = Session(seed: 1, sessionsDirectory: dir + "/x")
        XCTAssertFalse(r.run("resume \(folder)").failed)
        XCTAssertEqual(r.cells.map(\.input), ["seed 5", "data xor n=100"])
        XCTAssertEqual(r.seed, 5)
    }
}
