import Foundation
import TestSupport
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
final class ExportSnapshotTests: TemporaryDirectoryTestCase {
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
        for c in Self.cases + Self.compiledCases { paths += try export(c).map(\.path) }
        // The same scripts reading Fashion-MNIST's IDX files instead of arrays beside them.
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        for l in Self.cases[1].lines { XCTAssertFalse(s.run(l).failed, l) }
        var e = try ExportCommand.describe(session: s, model: s.model!, data: s.data!, scriptPath: dir + "/fashion.py")
        e.source = .fashionMNIST(
            directory: "/data/fashion-mnist", train: 5000..<60000, validation: 0..<5000, test: 0..<10000)
        for (f, text) in [("keras", try KerasScript.render(e)), ("pytorch", try PyTorchScript.render(e))] {
            paths.append("\(dir)/fashion_\(f).py")
            try text.write(toFile: paths.last!, atomically: true, encoding: .utf8)
        }
        let r = ExportScriptTests.run(python, ["-m", "py_compile"] + paths, cwd: dir, timeout: 120)
        XCTAssertEqual(r.status, 0, "py_compile: \(r.stdout)\n\(r.stderr)")
    }

    /// Sessions whose scripts are only compiled, to reach every emitter: each
    /// layer kind, initializer, regularizer, constraint, loss, optimizer,
    /// schedule, clipping and callback.
    static let compiledCases: [Case] = [
        Case(
            name: "relu_family",
            lines: [
                "data spirals n=120 classes=3 validation=30", "model new",
                "add dense 8 activation=relu kernel_initializer=he_uniform",
                "add dense 8 activation=leaky_relu(0.1) kernel_initializer=glorot_normal bias_initializer=constant(0.1)",
                "add prelu", "add dense 8 activation=elu(0.5) kernel_initializer=lecun_uniform",
                "add leaky_relu alpha=0.3",
                "add dense 8 kernel_initializer=random_uniform(minval=-0.3, maxval=0.3) bias_initializer=ones",
                "add activation tanh", "add alpha_dropout 0.1", "add rrelu lower=0.1 upper=0.3",
                "add dense 3 activation=softmax kernel_initializer=random_normal(stddev=0.2)",
                "compile optimizer=adamax learning_rate=one_cycle(0.02, total_steps=30) global_clipnorm=2.0",
                "fit epochs=1 callbacks=reduce_lr_on_plateau(patience=1, factor=0.5)",
            ]),
        Case(
            name: "regularized",
            lines: [
                "data xor n=120 validation=30", "model new",
                "add dense 8 use_bias=false kernel_initializer=variance_scaling(scale=2.0, mode=fan_avg, distribution=untruncated_normal)",
                "add batchnorm momentum=0.9 epsilon=0.00001 center=false scale=false",
                "add residual dense 8 use_bias=false kernel_regularizer=l1_l2(l1=0.001, l2=0.01) kernel_constraint=max_norm(1.5)",
                "add dense 8 activation=selu kernel_constraint=non_neg kernel_regularizer=l1(0.001)",
                "add dense 1 activation=sigmoid kernel_initializer=truncated_normal(stddev=0.3)",
                "compile loss=binary_crossentropy optimizer=rmsprop(learning_rate=0.01, momentum=0.5, decay=0.01) clipvalue=0.5",
                "fit epochs=1 callbacks=reduce_lr_on_plateau(patience=1)",
            ]),
        Case(
            name: "one_hot",
            lines: [
                "data circles n=120 validation=30", "model new", "add dense 2 activation=softmax",
                "compile loss=mean_squared_error optimizer=adagrad learning_rate=piecewise(boundaries=10,20, values=0.02,0.01,0.005)",
            ]),
        Case(
            name: "categorical",
            lines: [
                "data moons n=120", "model new", "add activation softmax",
                "compile loss=categorical_crossentropy optimizer=sgd(momentum=0.9, nesterov=true) "
                    + "learning_rate=exponential(0.01, decay_steps=20, decay_rate=0.5, staircase=true)",
                "fit epochs=1 callbacks=reduce_lr_on_plateau(patience=1)",
            ]),
    ]

    /// The first `python3` on the PATH.
    static let python3: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/python3" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()
}
