import Foundation
import XCTest

@testable import GradShell

/// The exported Keras and PyTorch scripts of a few representative sessions,
/// compared byte for byte with `Snapshots/<session>_<framework>.py`
/// (swift-argument-parser's completion-script snapshots are the model).
///
/// After an intended change to a generator, re-record and review the diff:
///
///     GRADLAB_RECORD_SNAPSHOTS=1 swift test --filter ExportSnapshotTests
///
/// Every generated script is also compiled with `python3 -m py_compile` when
/// a `python3` is on the PATH (skipped with a message otherwise), so a
/// syntax error fails here even where the Keras / PyTorch venv of
/// `scripts/check-export.sh` is not installed.
final class ExportSnapshotTests: XCTestCase {
    /// A session, by the lines typed into it.
    struct Case {
        var name: String
        var lines: [String]
    }

    static let cases: [Case] = [
        Case(
            name: "mlp",
            lines: [
                "data moons n=200 validation=40", "model new",
                "add dense 16 activation=relu",
                "add dense 2 activation=softmax",
                "compile optimizer=sgd(learning_rate=0.05)",
                "fit epochs=2 batch_size=16",
            ]),
        Case(
            name: "bn_dropout_nadam",
            lines: [
                "data spirals n=200 classes=3 validation=40", "model new",
                "add dense 32 activation=elu kernel_initializer=he_normal",
                "add batchnorm",
                "add dropout 0.2",
                "add dense 3 activation=softmax",
                "compile optimizer=nadam clipnorm=1.0 learning_rate=exponential(0.01, decay_steps=20, decay_rate=0.5)",
                "fit epochs=2",
            ]),
        Case(
            name: "residual_frozen",
            lines: [
                "data xor n=200 validation=40 standardize=true", "model new",
                "add dense 16 activation=relu",
                "add residual dense 16 activation=tanh kernel_regularizer=l2(0.001)",
                "add batchnorm",
                "add dense 2 activation=softmax",
                "set trainable 0 false",
                "set trainable 2 false",
                "compile optimizer=adam(learning_rate=0.01)",
                "fit epochs=2 shuffle=false",
            ]),
        Case(
            name: "callbacks",
            lines: [
                "data circles n=200 validation=40", "model new",
                "add dense 8 activation=relu",
                "add dense 2 activation=softmax",
                "compile optimizer=rmsprop",
                "fit epochs=3 callbacks=early_stopping(patience=1, restore_best_weights=true),model_checkpoint(monitor=val_accuracy)",
            ]),
    ]

    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Snapshots")
    static let recording = ProcessInfo.processInfo.environment["GRADLAB_RECORD_SNAPSHOTS"] == "1"
    /// Stands for the test's temporary folder in the snapshots (checkpoint paths).
    static let placeholder = "/tmp/gradlab-snapshot"

    var dir = ""

    override func setUp() {
        dir =
            FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-snapshot-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Runs the session and exports it to both frameworks; the scripts' paths.
    func export(_ c: Case, file: StaticString = #filePath, line: UInt = #line) throws -> [(
        framework: String, path: String
    )] {
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        for l in c.lines {
            let cell = s.run(l)
            XCTAssertFalse(cell.failed, "\(l) → \(cell.output)", file: file, line: line)
        }
        return try ["keras", "pytorch"].map { f in
            let path = "\(dir)/\(c.name)_\(f).py"
            let cell = s.run("export \(f) \(path)")
            XCTAssertFalse(cell.failed, cell.output, file: file, line: line)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try text.replacingOccurrences(of: dir, with: Self.placeholder).write(
                toFile: path, atomically: true, encoding: .utf8)
            return (f, path)
        }
    }

    func testScriptsMatchTheirSnapshots() throws {
        var mismatches: [String] = []
        for c in Self.cases {
            for (f, path) in try export(c) {
                let name = "\(c.name)_\(f).py"
                let got = try Data(contentsOf: URL(fileURLWithPath: path))
                let snapshot = Self.snapshots.appendingPathComponent(name)
                if Self.recording {
                    try FileManager.default.createDirectory(at: Self.snapshots, withIntermediateDirectories: true)
                    try got.write(to: snapshot)
                    continue
                }
                guard let want = try? Data(contentsOf: snapshot) else {
                    mismatches.append("\(name): no snapshot (record with GRADLAB_RECORD_SNAPSHOTS=1)")
                    continue
                }
                if got != want {
                    mismatches.append(
                        firstDifference(
                            name, String(decoding: got, as: UTF8.self), String(decoding: want, as: UTF8.self)))
                }
            }
        }
        XCTAssertTrue(
            mismatches.isEmpty,
            mismatches.joined(separator: "\n")
                + "\nIf the change is intended: GRADLAB_RECORD_SNAPSHOTS=1 swift test --filter ExportSnapshotTests, then review `git diff`."
        )
    }

    /// `name:LINE: got … / want …` at the first line that differs.
    func firstDifference(_ name: String, _ got: String, _ want: String) -> String {
        let g = got.components(separatedBy: "\n")
        let w = want.components(separatedBy: "\n")
        for i in 0..<max(g.count, w.count) where (i < g.count ? g[i] : nil) != (i < w.count ? w[i] : nil) {
            return
                "\(name):\(i + 1): differs from its snapshot\n  got:  \(i < g.count ? g[i] : "<end>")\n  want: \(i < w.count ? w[i] : "<end>")"
        }
        return "\(name): differs from its snapshot"
    }

    /// `python3 -m py_compile` on every generated script: the syntax check a
    /// machine without Keras or PyTorch can still make.
    func testScriptsCompileAsPython() throws {
        guard let python = Self.python3 else {
            throw XCTSkip("no python3 on the PATH: the generated scripts are not compiled")
        }
        var paths: [String] = []
        for c in Self.cases { paths += try export(c).map(\.path) }
        let r = ExportScriptTests.run(python, ["-m", "py_compile"] + paths, cwd: dir, timeout: 120)
        XCTAssertEqual(r.status, 0, "py_compile: \(r.stdout)\n\(r.stderr)")
    }

    /// The first `python3` on the PATH.
    static let python3: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/python3" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()
}
