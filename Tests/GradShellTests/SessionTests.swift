import Foundation
import GradNN
import TestSupport
@testable import GradShell
import XCTest

/// End-to-end: the shell driven with strings, as a user types.
final class SessionTests: TemporaryDirectoryTestCase {
    func session() -> Session { Session(seed: 42, sessionsDirectory: dir + "/sessions") }

    @discardableResult
    func ok(_ s: Session, _ line: String, file: StaticString = #filePath, l: UInt = #line) -> String {
        let c = s.run(line)
        XCTAssertFalse(c.failed, "\(line) → \(c.output)", file: file, line: l)
        return c.output
    }

    func fails(_ s: Session, _ line: String, containing: String, file: StaticString = #filePath, l: UInt = #line) {
        let c = s.run(line)
        XCTAssertTrue(c.failed, "\(line) should fail but gave \(c.output)", file: file, line: l)
        XCTAssertTrue(c.output.hasPrefix("error: "), file: file, line: l)
        XCTAssertTrue(c.output.contains(containing), "\(c.output) should mention \(containing)", file: file, line: l)
        XCTAssertEqual(c.output.split(separator: "\n").count, 1, "one line", file: file, line: l)
    }

    func testTheFoundationSessionOnSyntheticData() {
        let s = session()
        ok(s, "seed 42")
        XCTAssertTrue(ok(s, "data moons n=400 validation=100").contains("train 300"))
        ok(s, "model new")
        ok(s, "add dense 16 activation=elu kernel_initializer=he_normal")
        ok(s, "add dense 2 activation=softmax")
        let summary = ok(s, "summary")
        XCTAssertTrue(summary.contains("Total params: 82"), summary)
        ok(s, "compile loss=sparse_categorical_crossentropy optimizer=sgd(learning_rate=0.1, momentum=0.9) metrics=accuracy")
        let fit = ok(s, "fit epochs=3 batch_size=16")
        XCTAssertTrue(fit.contains("Epoch 3/3") && fit.contains("val_accuracy"), fit)
        XCTAssertTrue(ok(s, "evaluate test").contains("accuracy: "))
        XCTAssertTrue(ok(s, "predict index=0..4").split(separator: "\n").count == 6)
        XCTAssertTrue(ok(s, "gradients").contains("verdict"))
        XCTAssertTrue(ok(s, "history").contains("[3] model new"))
        XCTAssertTrue(ok(s, "help").contains("fit"))
        XCTAssertTrue(ok(s, "help compile").contains("optimizer="))
    }

    func testNotesBatchNormModelSummaryMatchesKeras() {
        let s = session()
        // Keras: 271,346 total, 268,978 trainable, 2,368 non-trainable (the notes, and Tests/Fixtures/keras_reference.json)
        let shape = SampleStorage(features: .bytes([UInt8](repeating: 0, count: 784 * 2)), sampleShape: [28, 28], targets: [0, 1])
        s.data = Dataset(name: "fake", train: DataSplit(storage: shape, range: 0..<2), classCount: 10)
        for l in ["model new", "add flatten", "add batchnorm", "add dense 300 activation=elu kernel_initializer=he_normal", "add batchnorm",
                  "add dense 100 activation=elu kernel_initializer=he_normal", "add batchnorm", "add dense 10 activation=softmax"] { ok(s, l) }
        XCTAssertTrue(ok(s, "summary").contains("Total params: 271,346   Trainable: 268,978   Non-trainable: 2,368"))
        let vars = ok(s, "vars")
        XCTAssertTrue(vars.contains("('batch_normalization/moving_mean', False)"), vars)
        XCTAssertTrue(vars.contains("('dense/kernel', True)"))
        XCTAssertTrue(ok(s, "vars 1").contains("moving_variance"))
        XCTAssertTrue(ok(s, "set trainable 2 false").contains("trainable params 268,978 → 33,478, non-trainable 2,368 → 237,868"))
        XCTAssertTrue(ok(s, "summary").contains("frozen"))
        ok(s, "undo")
        XCTAssertTrue(ok(s, "summary").contains("Trainable: 268,978"))
    }

    func testErrorsAreOneLineAndChangeNothing() {
        let s = session()
        fails(s, "fitt", containing: "did you mean 'fit'")
        fails(s, "add dense 10", containing: "model new")
        ok(s, "model new")
        fails(s, "fit", containing: "no layers")
        fails(s, "add dense 100000000000", containing: "TiB")
        fails(s, "add dense -3", containing: "out of range")
        fails(s, "add dense 10 activation=relux", containing: "did you mean 'relu'")
        fails(s, "add dense 10 kernel_initializer=he_norml", containing: "he_normal")
        fails(s, "add dense 10 units=3 units=4", containing: "twice")
        fails(s, "add dense 10 colour=red", containing: "no key 'colour'")
        fails(s, "compile optimizer=sgd(learning_rate=0.1", containing: "never closed")
        fails(s, "data nothing", containing: "data source")
        fails(s, "data csv /no/such/file.csv", containing: "no such file")
        XCTAssertEqual(s.model?.layers.count, 0, "nothing was added")
        ok(s, "data xor n=100")
        ok(s, "add dense 4 activation=tanh")
        let before = s.model!.parameters.map { $0.value.array }
        fails(s, "compile loss=sparse_categorical_crossentropy optimizer=adam", containing: "4 units but the data has 2 classes")
        XCTAssertNil(s.model?.optimizer)
        XCTAssertEqual(s.model!.parameters.map { $0.value.array }, before)
    }

    func testTranscriptSaveReplayCheckAndAFailureReport() throws {
        let s = session()
        ok(s, "# ## Moons")
        ok(s, "seed 1")
        ok(s, "data moons n=300 validation=60")
        ok(s, "model new")
        ok(s, "add dense 8 activation=relu")
        ok(s, "add dense 2 activation=softmax")
        ok(s, "compile optimizer=adam")
        ok(s, "fit epochs=2")
        ok(s, "expect epochs == 2")
        let path = dir + "/t.md"
        ok(s, "save session \(path)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("```gradlab\n> seed 1\nseed 1\n```"), text)
        XCTAssertTrue(text.contains("## Moons"))
        // Replaying in a fresh session reproduces every output exactly.
        let r = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        let report = Replayer.replay(try Transcript.load(path), path: path, in: r, check: true)
        XCTAssertTrue(report.passed, report.failures.joined(separator: "\n"))
        XCTAssertEqual(report.checked, 7, "expect cells are judged by pass/fail, not compared")
        // Edit a number: the check reports the cell, the command, expected vs got.
        try text.replacingOccurrences(of: "train 240", with: "train 241").write(toFile: path, atomically: true, encoding: .utf8)
        let bad = Replayer.replay(try Transcript.load(path), path: path, in: Session(seed: 42, sessionsDirectory: dir), check: true)
        XCTAssertEqual(bad.failures.count, 1)
        XCTAssertTrue(bad.failures[0].contains("> data moons n=300 validation=60") && bad.failures[0].contains("expected:"), bad.failures[0])
        // An impossible expectation fails the replay.
        try text.replacingOccurrences(of: "expect epochs == 2", with: "expect epochs == 3").write(toFile: path, atomically: true, encoding: .utf8)
        let exp = Replayer.replay(try Transcript.load(path), path: path, in: Session(seed: 42, sessionsDirectory: dir), check: true)
        XCTAssertTrue(exp.failures.contains { $0.contains("expectation failed") })
    }

    func testReplayCannotWriteOutsideItsFolder() throws {
        let path = dir + "/evil.md"
        try "```gradlab\n> save session /tmp/gradlab-evil-\(getpid()).md\n```\n".write(toFile: path, atomically: true, encoding: .utf8)
        let s = session()
        let report = Replayer.replay(try Transcript.load(path), path: path, in: s, check: false)
        XCTAssertEqual(report.cellsRun, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/gradlab-evil-\(getpid()).md"))
        XCTAssertEqual(s.cells.last!.output, "saved 0 cells to /tmp/gradlab-evil-\(getpid()).md", "the output shows the path as typed")
        let scratch = try XCTUnwrap(report.scratch, "the report names the scratch folder")
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch + "/_root/tmp/gradlab-evil-\(getpid()).md"))
        try? FileManager.default.removeItem(atPath: scratch)
    }

    func testMalformedTranscriptsGiveLineNumbers() {
        XCTAssertThrowsError(try Transcript.parse("```gradlab\noutput first\n```\n", name: "x.md")) { XCTAssertTrue("\($0)".contains("x.md:2")) }
        XCTAssertThrowsError(try Transcript.parse("```gradlab\n> seed 1\n", name: "x.md")) { XCTAssertTrue("\($0)".contains("never closed")) }
        XCTAssertThrowsError(try Transcript.parse("```gradlab bogus\n```\n", name: "x.md")) { XCTAssertTrue("\($0)".contains("bogus")) }
    }

    func testIpynbExportIsWellFormedJSON() throws {
        let s = session()
        ok(s, "# Title")
        ok(s, "data moons n=50")
        ok(s, "export ipynb \(dir)/n.ipynb")
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/n.ipynb"))) as! [String: Any]
        XCTAssertEqual(obj["nbformat"] as? Int, 4)
        let cells = obj["cells"] as! [[String: Any]]
        XCTAssertEqual(cells.map { $0["cell_type"] as! String }, ["markdown", "code"])
    }

    func testExerciseCheck() throws {
        let path = dir + "/ex.md"
        try "# Exercise\nReach 2 epochs.\n\n```gradlab\n> expect epochs >= 2\n```\n".write(toFile: path, atomically: true, encoding: .utf8)
        let s = session()
        XCTAssertTrue(ok(s, "exercise open \(path)").contains("epochs >= 2"))
        XCTAssertTrue(ok(s, "check").contains("0/1 goals met"))
        for l in ["data moons n=100", "model new", "add dense 2 activation=softmax", "compile optimizer=sgd", "fit epochs=2"] { ok(s, l) }
        XCTAssertTrue(ok(s, "check").contains("1/1 goals met"))
    }

    func testAddRepeatAddsIdenticalLayersAndUndoesThemTogether() {
        let s = session()
        for l in ["data moons n=100", "model new", "add dense 8 activation=relu"] { ok(s, l) }
        let out = ok(s, "add dense 8 activation=sigmoid repeat=3")
        XCTAssertEqual(out.split(separator: "\n").count, 3, out)
        XCTAssertEqual(s.model?.layers.map(\.name), ["dense", "dense_1", "dense_2", "dense_3"])
        XCTAssertTrue(s.model!.layers.dropFirst().allSatisfy { ($0 as? Dense)?.activation == .sigmoid })
        ok(s, "undo")
        XCTAssertEqual(s.model?.layers.count, 1, "one undo takes back the whole repeat")
        fails(s, "add dense 8 repeat=0", containing: "repeat")
        fails(s, "add dense 8 repeat=2 name=hidden", containing: "name=")
        fails(s, "add dense 30000 repeat=2", containing: "×2 would need")
        XCTAssertEqual(s.model?.layers.count, 1)
    }

    func testClipDemonstratesTheNotesExample() {
        let s = session()
        XCTAssertTrue(ok(s, "clip 100,1 clipvalue=1.0").contains("→ [1, 1]"))
        XCTAssertTrue(ok(s, "clip 100,1 clipnorm=1.0").contains("→ [0.99995, 0.0099995]"))
    }

    func testMonteCarloPredictionAndBatchNormInference() {
        let s = session()
        for l in ["data spirals n=300 classes=3 validation=50", "model new", "add dense 32 activation=relu", "add batchnorm",
                  "add dropout 0.3", "add dense 3 activation=softmax", "compile optimizer=adam", "fit epochs=2"] { ok(s, l) }
        let bn = s.model!.layers[1] as! BatchNormalization
        let mm = bn.movingMean.value.array
        let out = ok(s, "predict mc samples=20 index=0..1")
        XCTAssertTrue(out.contains("BatchNormalization in inference mode") && out.contains("std"), out)
        XCTAssertEqual(bn.movingMean.value.array, mm, "MC Dropout must not touch BN statistics")
        XCTAssertTrue(ok(s, "evaluate test mc samples=10").contains("mc accuracy"))
    }
}

final class SetTrainableRangeTests: XCTestCase {
    func testARangeFreezesTheLayersWithVariablesAndUndoesAsOne() {
        let s = Session()
        s.run("data moons n=100")
        s.run("model new")
        for l in ["add dense 8", "add batchnorm", "add activation relu", "add dense 2 activation=softmax"] { s.run(l) }
        let r = s.run("set trainable 0..2 false")
        XCTAssertFalse(r.failed, r.output)
        XCTAssertEqual(s.model!.layers.map(\.isFrozen), [true, true, false, false])
        s.run("undo")
        XCTAssertEqual(s.model!.layers.map(\.isFrozen), [false, false, false, false])
        XCTAssertTrue(s.run("set trainable 0..9 false").output.contains("the model has layers 0 to 3"))
        XCTAssertTrue(s.run("set trainable 2..2 false").failed)
        XCTAssertFalse(s.run("set trainable 0,3 false").failed)
        XCTAssertEqual(s.model!.layers.map(\.isFrozen), [true, false, false, true])
    }
}

final class CompileClippingTests: XCTestCase {
    /// Keras 3 refuses two clipping arguments ("Only one of `clipnorm`, `clipvalue`
    /// and `global_clipnorm` can be set", checked with keras 3.15.1); so does gradlab.
    func testTwoClippingArgumentsAreRefused() {
        let s = Session()
        s.run("data moons n=100")
        s.run("model new")
        s.run("add dense 2 activation=softmax")
        for line in ["compile optimizer=sgd clipnorm=1 clipvalue=1", "compile optimizer=sgd(clipnorm=1, clipvalue=1)",
                     "compile optimizer=sgd(clipvalue=1) global_clipnorm=1"] {
            let r = s.run(line)
            XCTAssertTrue(r.failed && r.output.contains("only one of clipnorm, clipvalue and global_clipnorm"), "\(line): \(r.output)")
        }
        XCTAssertFalse(s.run("compile optimizer=sgd clipnorm=1").failed)
    }

    /// After a schedule, `set learning_rate` reports the rate in force, not the schedule's start.
    func testSetLearningRateReportsTheCurrentRate() {
        let s = Session()
        s.run("data moons n=320")
        s.run("model new")
        s.run("add dense 2 activation=softmax")
        s.run("compile optimizer=sgd learning_rate=exponential(0.1, decay_steps=10, decay_rate=0.5)")
        s.run("fit epochs=1 batch_size=32")
        let rate = s.model!.optimizer!.currentLearningRate
        XCTAssertLessThan(rate, 0.09)
        XCTAssertTrue(s.run("set learning_rate 0.001").output.hasPrefix("learning rate \(formatFloat(rate)) → 0.001"))
    }
}
