import Foundation
import GradNN
import GradTensor
@testable import GradShell
import TestSupport
import XCTest

/// Jobs and their results, shared by the threads that run them.
final class JobBox<T>: @unchecked Sendable {
    var results: [T?]
    let lock = NSLock()
    let jobs: [() -> T]
    init(_ jobs: [() -> T]) { self.jobs = jobs; results = Array(repeating: nil, count: jobs.count) }
}

/// `export keras` / `export pytorch`, `KerasImport` and the numpy loaders.
///
/// The tests that run the exported scripts need a Python with Keras 3 + JAX
/// and safetensors (and torch for the PyTorch half): `scripts/check-export.sh`
/// creates `.venv-export` and runs them; `GRADLAB_EXPORT_PYTHON` names another
/// interpreter. Without one they are skipped with that message (or fail, when
/// `GRADLAB_EXPORT_REQUIRED=1`).
final class ExportScriptTests: XCTestCase {
    var dir: String!

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-export-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() {
        if ProcessInfo.processInfo.environment["GRADLAB_EXPORT_KEEP"] == nil { try? FileManager.default.removeItem(atPath: dir) }
    }

    // MARK: Python

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ exe: String, _ args: [String], cwd: String? = nil, timeout: TimeInterval = 900) -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var env = ProcessInfo.processInfo.environment
        env["KERAS_BACKEND"] = env["KERAS_BACKEND"] ?? "jax"
        env["JAX_PLATFORMS"] = "cpu"
        env["TF_CPP_MIN_LOG_LEVEL"] = "3"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONWARNINGS"] = "ignore"
        p.environment = env
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-run-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: tmp.path + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: tmp.path + ".err", contents: nil)
        defer { try? FileManager.default.removeItem(atPath: tmp.path + ".out"); try? FileManager.default.removeItem(atPath: tmp.path + ".err") }
        guard let out = FileHandle(forWritingAtPath: tmp.path + ".out"), let err = FileHandle(forWritingAtPath: tmp.path + ".err") else {
            return Output(status: -1, stdout: "", stderr: "cannot create temporary files")
        }
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { return Output(status: -1, stdout: "", stderr: "\(error)") }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate(); p.waitUntilExit() }
        p.waitUntilExit()
        try? out.close(); try? err.close()
        let o = (try? String(contentsOfFile: tmp.path + ".out", encoding: .utf8)) ?? ""
        let e = (try? String(contentsOfFile: tmp.path + ".err", encoding: .utf8)) ?? ""
        return Output(status: p.terminationStatus, stdout: o, stderr: e)
    }

    static let python: String? = {
        let env = ProcessInfo.processInfo.environment
        // GRADLAB_EXPORT_PYTHON, when set, is the only candidate (`none` skips these tests).
        let candidates = env["GRADLAB_EXPORT_PYTHON"].map { [$0] } ?? [root + "/.venv-export/bin/python"]
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) {
            if run(c, ["-c", "import keras, jax, numpy, safetensors.numpy"], timeout: 300).status == 0 { return c }
        }
        return nil
    }()

    static let torchAvailable: Bool = {
        guard let py = python else { return false }
        let ok = run(py, ["-c", "import torch, safetensors.torch"], timeout: 300).status == 0
        if !ok { print("note: torch is not importable in \(py); the PyTorch export checks are skipped (scripts/check-export.sh explains why)") }
        return ok
    }()

    func requirePython() throws -> String {
        if let p = Self.python { return p }
        let msg = "no Python with keras, jax and safetensors: run scripts/check-export.sh (it creates .venv-export) or set GRADLAB_EXPORT_PYTHON"
        if ProcessInfo.processInfo.environment["GRADLAB_EXPORT_REQUIRED"] == "1" { XCTFail(msg) }
        throw XCTSkip(msg)
    }

    /// Runs jobs two at a time (each is a Python process).
    func parallel<T>(_ jobs: [() -> T]) -> [T] {
        let box = JobBox(jobs)
        let next = JobBox<T>([])
        var index = 0
        DispatchQueue.concurrentPerform(iterations: min(2, jobs.count)) { _ in
            while true {
                next.lock.lock()
                let i = index
                index += 1
                next.lock.unlock()
                guard i < box.jobs.count else { return }
                let r = box.jobs[i]()
                box.lock.lock(); box.results[i] = r; box.lock.unlock()
            }
        }
        return box.results.map { $0! }
    }

    // MARK: sessions

    func session(_ lines: [String], initialWeights: String? = nil, beforeFit: ((Session) -> Void)? = nil,
                 file: StaticString = #filePath, line: UInt = #line) -> Session {
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        var saved = false, prepared = false
        for l in lines {
            if l.hasPrefix("fit"), !prepared { beforeFit?(s); prepared = true }
            if l.hasPrefix("fit"), let path = initialWeights, !saved, let m = s.model {
                _ = try? s.requireBuiltModel()
                try? SafeTensors.encode(m.parameters.map { ($0.path, $0.value) }).write(to: URL(fileURLWithPath: path))
                saved = true
            }
            let c = s.run(l)
            XCTAssertFalse(c.failed, "\(l) → \(c.output)", file: file, line: line)
        }
        return s
    }

    /// The loss and accuracy of a `… loss: X - accuracy: Y …` line.
    func scores(_ text: String) -> (loss: Double, accuracy: String)? {
        guard let line = text.split(separator: "\n").last(where: { $0.contains("loss: ") && $0.contains("accuracy: ") && !$0.hasPrefix("Epoch") }) else { return nil }
        let parts = line.components(separatedBy: "loss: ")
        guard parts.count >= 2 else { return nil }
        let loss = Double(parts[1].split(separator: " ")[0]) ?? .nan
        let acc = line.components(separatedBy: "accuracy: ")[1].split(separator: " ")[0]
        return (loss, String(acc))
    }

    func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    struct Case {
        var name: String
        var lines: [String]
        /// No dropout-like layer and fit shuffle=false: training from gradlab's
        /// initial weights must retrace gradlab's steps.
        var deterministic: Bool
        /// Runs once before the first `fit` (for settings the shell cannot type).
        var beforeFit: ((Session) -> Void)? = nil
    }

    struct Result { var framework: String; var line: String; var ok: Bool }

    /// Exports a session to both frameworks, runs the scripts and compares
    /// with gradlab: accuracy to 4 decimals, loss to 2e-4, predictions to
    /// 1e-5; for deterministic cases also training from gradlab's initial
    /// weights (`--train --init`) against gradlab's training.
    @discardableResult
    func check(_ c: Case, python: String, trajectoryTolerance: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let folder = dir + "/" + c.name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let initPath = folder + "/initial.safetensors"
        let s = session(c.lines, initialWeights: c.deterministic ? initPath : nil, beforeFit: c.beforeFit, file: file, line: line)
        let m = try XCTUnwrap(s.model)
        let d = try XCTUnwrap(s.data)
        let splitName = d.test != nil ? "test" : "validation"
        let split = try XCTUnwrap(d.split(named: splitName))
        let evaluation = s.run("evaluate \(splitName)")
        XCTAssertFalse(evaluation.failed, evaluation.output, file: file, line: line)
        let gradlab = try XCTUnwrap(scores(evaluation.output))
        let predictions = m.predict(split, indices: Array(0..<split.count)).array
        var frameworks = ["keras"]
        if Self.torchAvailable { frameworks.append("pytorch") }
        for f in frameworks {
            let out = s.run("export \(f) \(folder)/\(f)_model.py")
            XCTAssertFalse(out.failed, out.output, file: file, line: line)
        }
        var jobs: [() -> Result] = []
        for f in frameworks {
            let script = "\(folder)/\(f)_model.py"
            jobs.append {
                let r = Self.run(python, [script, "--predictions", "\(folder)/\(f)_pred.npy"], cwd: folder)
                guard r.status == 0, let sc = self.scores(r.stdout) else {
                    return Result(framework: f, line: "\(c.name) \(f): script failed (\(r.status)):\n\(r.stdout.suffix(2000))\n\(r.stderr.suffix(3000))", ok: false)
                }
                let p = (try? NPY.load(path: "\(folder)/\(f)_pred.npy").floats) ?? []
                let diff = self.maxDifference(p, predictions)
                let ok = sc.accuracy == gradlab.accuracy && abs(sc.loss - gradlab.loss) <= 2e-4 && diff <= 1e-5
                return Result(framework: f, line: String(format: "%@ %@: accuracy %@ (gradlab %@), loss %.4f (gradlab %.4f), max |Δp| %.2e", c.name, f, sc.accuracy, gradlab.accuracy, sc.loss, gradlab.loss, diff), ok: ok)
            }
            jobs.append {
                var args = [script, "--train", "--predictions", "\(folder)/\(f)_train_pred.npy"]
                if c.deterministic { args += ["--init", initPath] }
                let r = Self.run(python, args, cwd: folder)
                guard r.status == 0, let sc = self.scores(r.stdout) else {
                    return Result(framework: f, line: "\(c.name) \(f) --train: script failed (\(r.status)):\n\(r.stdout.suffix(2000))\n\(r.stderr.suffix(3000))", ok: false)
                }
                guard c.deterministic else {
                    let ok = (Double(sc.accuracy) ?? 0) > 0 && sc.loss.isFinite
                    return Result(framework: f, line: "\(c.name) \(f) --train (fresh weights): accuracy \(sc.accuracy) (gradlab \(gradlab.accuracy))", ok: ok)
                }
                let p = (try? NPY.load(path: "\(folder)/\(f)_train_pred.npy").floats) ?? []
                let diff = self.maxDifference(p, predictions)
                let ok = diff <= trajectoryTolerance
                return Result(framework: f, line: String(format: "%@ %@ --train --init: accuracy %@ (gradlab %@), max |Δp| %.2e after gradlab's steps", c.name, f, sc.accuracy, gradlab.accuracy, diff), ok: ok)
            }
        }
        let results = parallel(jobs)
        for r in results {
            print(r.line)
            if !r.ok { XCTFail(r.line, file: file, line: line) }
        }
        return results.map(\.line)
    }

    // MARK: exports that run

    func testReLUFamilyInitializersAdamExponentialClipnorm() throws {
        let py = try requirePython()
        try check(Case(name: "relu_family", lines: [
            "data spirals n=300 classes=3 validation=60 noise=0.1", "model new",
            "add dense 32 activation=relu kernel_initializer=he_uniform",
            "add dense 32 activation=leaky_relu(0.1) kernel_initializer=glorot_normal bias_initializer=constant(0.1)",
            "add prelu",
            "add dense 16 activation=elu(0.5) kernel_initializer=lecun_uniform",
            "add leaky_relu alpha=0.3",
            "add dense 16 kernel_initializer=random_uniform(minval=-0.3, maxval=0.3) bias_initializer=ones",
            "add activation tanh",
            "add dense 3 activation=softmax kernel_initializer=random_normal(stddev=0.2)",
            "compile loss=sparse_categorical_crossentropy optimizer=adam clipnorm=1.0 learning_rate=exponential(0.01, decay_steps=20, decay_rate=0.5)",
            "fit epochs=3 batch_size=32 shuffle=false",
        ], deterministic: true), python: py)
    }

    func testBatchNormResidualRegularizersConstraintsRMSpropPower() throws {
        let py = try requirePython()
        try check(Case(name: "bn_residual", lines: [
            "data xor n=300 validation=60 standardize=true", "model new",
            "add dense 16 use_bias=false kernel_initializer=variance_scaling(scale=2.0, mode=fan_avg, distribution=untruncated_normal)",
            "add batchnorm momentum=0.9 epsilon=0.00001",
            "add activation elu",
            "add residual dense 16 activation=relu kernel_initializer=he_normal kernel_regularizer=l1_l2(l1=0.001, l2=0.01) kernel_constraint=max_norm(1.5) bias_regularizer=l2(0.01)",
            "add batchnorm center=false scale=false",
            "add dense 8 activation=selu kernel_constraint=non_neg kernel_regularizer=l2(0.001)",
            "add dense 2 activation=softmax kernel_regularizer=l1(0.001)",
            "compile optimizer=rmsprop(learning_rate=0.01, momentum=0.5, decay=0.01) clipvalue=0.5",
            "fit epochs=3 batch_size=16 shuffle=false",
        ], deterministic: true), python: py)
    }

    /// Keras 3's activity regularizers (divided by the batch size) on a
    /// hidden layer, a layer with a separate activation module in PyTorch, and
    /// the softmax output (not fused with the loss), trained by plain SGD (the
    /// update inside Dense's backward pass) with a last batch of another size.
    func testActivityRegularizersSGD() throws {
        let py = try requirePython()
        try check(Case(name: "activity", lines: [
            "data spirals n=300 classes=3 validation=60 noise=0.1", "model new",
            "add dense 16 activation=tanh activity_regularizer=l2(0.01)",
            "add dense 16 activation=relu kernel_initializer=he_normal activity_regularizer=l1(0.001)",
            "add dense 8 activity_regularizer=l1_l2(l1=0.001, l2=0.01)",
            "add dense 3 activation=softmax activity_regularizer=l2(0.05)",
            "compile loss=sparse_categorical_crossentropy optimizer=sgd(learning_rate=0.05)",
            "fit epochs=3 batch_size=50 shuffle=false",
        ], deterministic: true), python: py)
    }

    func testBinaryCrossentropySGDNesterovFrozenBatchNorm() throws {
        let py = try requirePython()
        try check(Case(name: "binary_sgd", lines: [
            "data moons n=300 validation=60", "model new",
            "add dense 8 activation=tanh",
            "add batchnorm",
            "add dense 1 activation=sigmoid kernel_initializer=truncated_normal(stddev=0.3)",
            "set trainable 1 false",
            "compile loss=binary_crossentropy optimizer=sgd(learning_rate=0.1, momentum=0.9, nesterov=true)",
            "fit epochs=1 shuffle=false",
            "fit epochs=2 shuffle=false batch_size=64",
        ], deterministic: true), python: py)
    }

    /// Keras 3's other schedules and the LearningRateScheduler callback: trained
    /// from gradlab's initial weights, both scripts retrace gradlab's steps.
    func testCosinePolynomialSchedulesAndLearningRateScheduler() throws {
        let py = try requirePython()
        try check(Case(name: "cosine_warmup", lines: [
            "data moons n=300 validation=60", "model new",
            "add dense 8 activation=tanh", "add dense 2 activation=softmax",
            "compile optimizer=sgd(learning_rate=cosine_decay(0.01, decay_steps=20, alpha=0.1, warmup_target=0.2, warmup_steps=5))",
            "fit epochs=3 batch_size=20 shuffle=false",
        ], deterministic: true), python: py)
        try check(Case(name: "polynomial", lines: [
            "data moons n=300 validation=60", "model new",
            "add dense 8 activation=tanh", "add dense 2 activation=softmax",
            "compile optimizer=adam(learning_rate=polynomial_decay(0.05, decay_steps=12, end_learning_rate=0.001, power=2, cycle=true))",
            "fit epochs=2 batch_size=20 shuffle=false",
        ], deterministic: true), python: py)
        try check(Case(name: "restarts", lines: [
            "data moons n=300 validation=60", "model new",
            "add dense 8 activation=tanh", "add dense 2 activation=softmax",
            "compile optimizer=sgd(learning_rate=cosine_decay_restarts(0.1, first_decay_steps=7, m_mul=0.5))",
            "fit epochs=2 batch_size=20 shuffle=false",
        ], deterministic: true), python: py)
        try check(Case(name: "lr_scheduler", lines: [
            "data moons n=300 validation=60", "model new",
            "add dense 8 activation=tanh", "add dense 2 activation=softmax",
            "compile optimizer=sgd(learning_rate=0.1)",
            "fit epochs=3 batch_size=20 shuffle=false callbacks=lr_scheduler(\"0.1 * 0.5 ** epoch if epoch < 2 else lr / 3\")",
        ], deterministic: true), python: py)
    }

    func testMeanSquaredErrorAdagradAndCategoricalAdamaxOneCycle() throws {
        let py = try requirePython()
        try check(Case(name: "mse_adagrad", lines: [
            "data circles n=300 validation=60", "model new",
            "add dense 8 activation=relu kernel_initializer=he_normal",
            "add dense 2 activation=softmax",
            "compile loss=mean_squared_error optimizer=adagrad(learning_rate=0.1)",
            "fit epochs=3 batch_size=20 shuffle=false",
        ], deterministic: true), python: py)
        try check(Case(name: "cce_adamax", lines: [
            "data spirals n=300 classes=3 validation=60", "model new",
            "add dense 16 activation=relu kernel_initializer=lecun_normal",
            "add dense 3 activation=softmax",
            "compile loss=categorical_crossentropy optimizer=adamax(learning_rate=0.01) learning_rate=one_cycle(0.02, total_steps=30) global_clipnorm=2.0",
            "fit epochs=3 batch_size=32 shuffle=false",
        ], deterministic: true), python: py)
    }

    func testSELUDropoutRReLUNadamPiecewiseCallbacks() throws {
        let py = try requirePython()
        try check(Case(name: "selu_dropout", lines: [
            "data moons n=300 validation=60", "model new",
            "add dense 16 activation=selu kernel_initializer=lecun_normal",
            "add alpha_dropout 0.1",
            "add dense 16 activation=sigmoid",
            "add dropout 0.2",
            "add rrelu lower=0.1 upper=0.3",
            "add dense 2 activation=softmax",
            "compile optimizer=nadam(learning_rate=0.005)",
            "fit epochs=3 callbacks=early_stopping(patience=2, restore_best_weights=true),reduce_lr_on_plateau(patience=1, factor=0.5),model_checkpoint(path=\(dir!)/best)",
        ], deterministic: false), python: py)
        try check(Case(name: "nadam_piecewise", lines: [
            "data spirals n=300 classes=3 validation=60", "model new",
            "add dense 16 activation=selu kernel_initializer=lecun_normal",
            "add dense 3 activation=softmax",
            "compile optimizer=nadam learning_rate=piecewise(boundaries=10,20, values=0.02,0.01,0.005)",
            "fit epochs=3 batch_size=16 shuffle=false",
        ], deterministic: true), python: py)
    }

    func testRegressionTargetsWrittenBesideTheScript() throws {
        let py = try requirePython()
        // Real-valued targets from a data set made outside any `data` command.
        var rng = RandomGenerator(seed: 3)
        func storage(_ n: Int) -> SampleStorage {
            var x = [Float](), y = [Float]()
            for _ in 0..<n { let a = rng.uniform(), b = rng.uniform(); x += [a, b]; y.append(a * 0.8 + b * b * 0.5) }
            return SampleStorage(features: .floats(x), sampleShape: [2], targets: y)
        }
        let tr = storage(200), te = storage(50)
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        s.data = Dataset(name: "made", train: DataSplit(storage: tr, range: 0..<200), test: DataSplit(storage: te, range: 0..<50), classCount: 0)
        let folder = dir + "/regression"
        let initPath = folder + "/initial.safetensors"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for l in ["model new", "add dense 8 activation=relu", "add dense 1", "compile loss=mse optimizer=sgd(learning_rate=0.05)"] {
            XCTAssertFalse(s.run(l).failed, l)
        }
        let m = try s.requireBuiltModel()
        try SafeTensors.encode(m.parameters.map { ($0.path, $0.value) }).write(to: URL(fileURLWithPath: initPath))
        XCTAssertFalse(s.run("fit epochs=2 shuffle=false batch_size=16").failed)
        let gradlab = try XCTUnwrap(scores(s.run("evaluate test").output))
        let predictions = m.predict(s.data!.test!, indices: Array(0..<50)).array
        var frameworks = ["keras"]
        if Self.torchAvailable { frameworks.append("pytorch") }
        for f in frameworks {
            let out = s.run("export \(f) \(folder)/reg_\(f).py")
            XCTAssertFalse(out.failed, out.output)
            let script = try String(contentsOfFile: "\(folder)/reg_\(f).py", encoding: .utf8)
            XCTAssertTrue(script.contains("# gradlab: data (made, loaded outside this transcript)"), script)
            let saved = "\(folder)/saved_\(f).\(f == "keras" ? "keras" : "pt")"
            for (args, loaded) in [(["--save", saved], true), (["--train", "--init", initPath], false)] {
                let r = Self.run(py, ["\(folder)/reg_\(f).py", "--predictions", "\(folder)/p.npy"] + args, cwd: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                let sc = try XCTUnwrap(scores(r.stdout), r.stdout)
                let diff = maxDifference(try NPY.load(path: "\(folder)/p.npy").floats, predictions)
                print("regression \(f)\(loaded ? "" : " --train --init"): accuracy \(sc.accuracy) (gradlab \(gradlab.accuracy)), loss \(sc.loss) (gradlab \(gradlab.loss)), max |Δp| \(diff)")
                XCTAssertLessThanOrEqual(diff, loaded ? 1e-5 : 1e-4)
                if loaded { XCTAssertEqual(sc.accuracy, gradlab.accuracy); XCTAssertEqual(sc.loss, gradlab.loss, accuracy: 2e-4) }
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: saved), "--save wrote \(saved)")
        }
    }

    /// The notes' BN model trained briefly on a Fashion-MNIST subset: the
    /// exported weights give gradlab's accuracy in both frameworks, and
    /// `--train` from scratch lands close to gradlab's own training.
    func testNotesBatchNormModelOnFashionMNIST() throws {
        let py = try requirePython()
        guard FileManager.default.fileExists(atPath: FashionMNIST.directory + "/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST is not installed in \(FashionMNIST.directory)")
        }
        let lines = try check(Case(name: "notes_bn", lines: [
            "data fashion-mnist validation=5000 limit=15000", "seed 42", "model new",
            "add flatten", "add batchnorm",
            "add dense 300 activation=elu kernel_initializer=he_normal", "add batchnorm",
            "add dense 100 activation=elu kernel_initializer=he_normal", "add batchnorm",
            "add dense 10 activation=softmax",
            "compile loss=sparse_categorical_crossentropy optimizer=sgd(learning_rate=0.01) metrics=accuracy",
            "fit epochs=1",
        ], deterministic: false), python: py)
        let script = try String(contentsOfFile: dir + "/notes_bn/keras_model.py", encoding: .utf8)
        XCTAssertTrue(script.contains("X_train_full[0:10000]") && script.contains("X_train_full[10000:15000]"),
                      "the split follows the book: validation = the last images")
        XCTAssertTrue(script.contains("# gradlab: data fashion-mnist validation=5000 limit=15000"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/notes_bn/keras_model.data.safetensors"), "Fashion-MNIST is read from its IDX files")
        print("side-by-side (notes' BN model):\n" + lines.joined(separator: "\n"))
        // Standardized pixels, read from the IDX files, retrace gradlab's training step for step.
        try check(Case(name: "fashion_standardized", lines: [
            "data fashion-mnist validation=500 limit=1500 standardize=true", "model new",
            "add flatten", "add dense 32 activation=relu kernel_initializer=he_normal", "add batchnorm",
            "add dense 10 activation=softmax",
            "compile optimizer=adam",
            "fit epochs=2 shuffle=false",
        ], deterministic: true), python: py)
    }

    /// `data cifar10`: the scripts read the same binary batches (here generated
    /// in the exact format), split as gradlab did (validation = the first
    /// images, as the notebook), with raw pixels standardized as the notebook's
    /// SELU cells do, and retrace its training.
    func testCIFAR10ReadFromItsBinaryBatches() throws {
        let py = try requirePython()
        let data = dir + "/cifar"
        try CIFARFiles.write(to: data, perFile: 12)
        let archive = try CIFARFiles.archive(data)
        try check(Case(name: "cifar10", lines: [
            "data cifar10 \(archive) validation=20 raw=true standardize=true", "seed 42", "model new",
            "add flatten", "add dense 16 activation=selu kernel_initializer=lecun_normal",
            "add dense 10 activation=softmax",
            "compile loss=sparse_categorical_crossentropy optimizer=nadam(learning_rate=5e-4) metrics=accuracy",
            "fit epochs=2 batch_size=8 shuffle=false",
        ], deterministic: true), python: py)
        let script = try String(contentsOfFile: dir + "/cifar10/keras_model.py", encoding: .utf8)
        XCTAssertTrue(script.contains("read_cifar10(CIFAR10)") && script.contains("X_train_full[0:20]") && script.contains("X_train_full[20:60]"), "validation = the first 20")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/cifar10/keras_model.data.safetensors"), "CIFAR-10 is read from its own files")
    }

    /// Keras-equivalent initializers: the PyTorch script's `initialize` and
    /// Keras' own draw kernels with the spread gradlab aims for.
    func testInitializersDrawTheSameSpread() throws {
        let py = try requirePython()
        let inits = ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform",
                     "random_normal(stddev=0.1)", "random_uniform(minval=-0.2, maxval=0.2)", "truncated_normal(stddev=0.1)",
                     "variance_scaling(scale=3.0, mode=fan_out, distribution=uniform)",
                     "variance_scaling(scale=0.5, mode=fan_avg, distribution=untruncated_normal)"]
        // A first 2→64 layer has only 128 weights, too few to estimate a spread within 8 %
        // (it failed now and then); it is not checked, every checked kernel has 4,096 weights.
        let s = session(["data moons n=100", "model new", "add dense 64"] + inits.map { "add dense 64 kernel_initializer=\($0)" } +
                        ["add dense 2 activation=softmax", "compile optimizer=sgd"])
        let m = try XCTUnwrap(s.model)
        var frameworks = ["keras"]
        if Self.torchAvailable { frameworks.append("pytorch") }
        for f in frameworks { XCTAssertFalse(s.run("export \(f) \(dir!)/\(f)_init.py").failed) }
        let snippet = """
        import importlib.util, json, sys
        out = {}
        for name in sys.argv[1:]:
            spec = importlib.util.spec_from_file_location(name, name + "_init.py")
            mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
            model = mod.build_model()
            if name == "pytorch":
                mod.initialize(model)
                out[name] = [float(model.get_submodule(n).weight.std()) for n in %NAMES%]
            else:
                out[name] = [float(mod.np.asarray(model.get_layer(n).kernel).std()) for n in %NAMES%]
        print(json.dumps(out))
        """.replacingOccurrences(of: "%NAMES%", with: "[" + m.layers.dropLast().dropFirst().map { "\"\($0.name)\"" }.joined(separator: ", ") + "]")
        try snippet.write(toFile: dir + "/stds.py", atomically: true, encoding: .utf8)
        let r = Self.run(py, [dir + "/stds.py"] + frameworks, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data((r.stdout.split(separator: "\n").last ?? "").utf8)) as? [String: [Double]])
        for (i, l) in m.layers.dropLast().dropFirst().enumerated() {
            let d = try XCTUnwrap(l as? Dense)
            let expected = d.kernelInitializer.expectedStd(shape: d.kernel.value.shape)
            let own = Double(Statistics(d.kernel.value).std)
            XCTAssertEqual(own, expected, accuracy: 0.08 * expected, "gradlab \(d.kernelInitializer.name)")
            for f in frameworks {
                let got = json[f]![i]
                XCTAssertEqual(got, expected, accuracy: 0.08 * expected, "\(f) \(d.kernelInitializer.name): std \(got), expected \(expected)")
            }
        }
    }

    /// A Keras model → `KerasImport` → same predictions in gradlab → export
    /// to both frameworks → same predictions again; and gradlab's exported
    /// custom layers (Residual, RReLU) come back through `to_json()`.
    func testKerasImportRoundTrip() throws {
        let py = try requirePython()
        let make = """
        import os, numpy as np, keras
        from keras import layers
        from safetensors.numpy import save_file
        keras.utils.set_random_seed(7)
        model = keras.Sequential([keras.Input(shape=(6,)),
            layers.Dense(12, activation="relu", kernel_initializer="he_normal", kernel_regularizer=keras.regularizers.L2(0.01)),
            layers.BatchNormalization(momentum=0.9),
            layers.PReLU(),
            layers.Dense(8, kernel_constraint=keras.constraints.MaxNorm(2.0)),
            layers.LeakyReLU(negative_slope=0.1),
            layers.Dropout(0.2),
            layers.Dense(8, activation="selu"),
            layers.ELU(alpha=0.7),
            layers.Dense(3, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        x = np.random.default_rng(0).normal(size=(200, 6)).astype(np.float32)
        y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5)
        model.fit(x, y, epochs=2, verbose=0)
        for v in model.non_trainable_weights:  # moving statistics away from 0 / 1
            v.assign(v.numpy() + 0.1)
        for v in model.weights:
            if v.path.endswith("alpha"): v.assign(np.full(v.shape, 0.25, np.float32))
        # The documented three lines:
        from safetensors.numpy import save_file
        open("model.json", "w").write(model.to_json())
        save_file({v.path: v.numpy() for v in model.weights}, "model.safetensors")
        np.save("keras_pred.npy", model.predict(x[:50], verbose=0).astype(np.float32))
        np.savez("data.npz", x_train=x[50:], y_train=y[50:], x_test=x[:50], y_test=y[:50])
        """
        try make.write(toFile: dir + "/make.py", atomically: true, encoding: .utf8)
        let r = Self.run(py, [dir + "/make.py"], cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let (m, notes) = try KerasImport.load(configPath: dir + "/model.json", weightsPath: dir + "/model.safetensors")
        XCTAssertEqual(m.layers.map(\.typeName), ["Dense", "BatchNormalization", "PReLU", "Dense", "LeakyReLU", "Dropout", "Dense", "ELU", "Dense"])
        XCTAssertTrue(notes.isEmpty, "\(notes)")
        let data = try NPY.dataset(archive: dir + "/data.npz")
        XCTAssertEqual(data.train.count, 150)
        XCTAssertEqual(data.test?.count, 50)
        XCTAssertEqual(data.classCount, 3)
        let keras = try NPY.load(path: dir + "/keras_pred.npy")
        XCTAssertEqual(keras.shape, [50, 3])
        let ours = m.predict(data.test!, indices: Array(0..<50)).array
        XCTAssertLessThanOrEqual(maxDifference(keras.floats, ours), 1e-5, "imported model predicts as Keras")

        // … and out again.
        let s = Session(seed: 1, sessionsDirectory: dir + "/sessions")
        s.model = m
        s.data = data
        XCTAssertFalse(s.run("compile optimizer=adam").failed)
        let gradlab = try XCTUnwrap(scores(s.run("evaluate test").output))
        var frameworks = ["keras"]
        if Self.torchAvailable { frameworks.append("pytorch") }
        for f in frameworks {
            XCTAssertFalse(s.run("export \(f) \(dir!)/again_\(f).py").failed)
            let out = Self.run(py, ["\(dir!)/again_\(f).py", "--predictions", "\(dir!)/again_\(f).npy"], cwd: dir)
            XCTAssertEqual(out.status, 0, out.stderr)
            let sc = try XCTUnwrap(scores(out.stdout), out.stdout)
            XCTAssertEqual(sc.accuracy, gradlab.accuracy)
            XCTAssertLessThanOrEqual(maxDifference(try NPY.load(path: "\(dir!)/again_\(f).npy").floats, ours), 1e-5, f)
        }

        // gradlab's own layers survive export → to_json() → import.
        let s2 = session(["data moons n=200", "model new", "add dense 8 activation=relu", "add residual dense 8 activation=tanh",
                          "add rrelu", "add dense 2 activation=softmax", "compile optimizer=adam", "fit epochs=2"])
        XCTAssertFalse(s2.run("export keras \(dir!)/custom.py").failed)
        let dump = """
        import importlib.util
        from safetensors.numpy import save_file
        spec = importlib.util.spec_from_file_location("custom", "custom.py")
        mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
        model = mod.build_model(); mod.load_weights(model)
        open("custom.json", "w").write(model.to_json())
        save_file({v.path: v.numpy() for v in model.weights}, "custom_keras.safetensors")
        """
        try dump.write(toFile: dir + "/dump.py", atomically: true, encoding: .utf8)
        let r2 = Self.run(py, [dir + "/dump.py"], cwd: dir)
        XCTAssertEqual(r2.status, 0, r2.stderr)
        let (back, _) = try KerasImport.load(configPath: dir + "/custom.json", weightsPath: dir + "/custom_keras.safetensors")
        XCTAssertEqual(back.layers.map(\.typeName), ["Dense", "Residual", "RReLU", "Dense"])
        let orig = s2.model!.predict(s2.data!.test!, indices: Array(0..<20)).array
        XCTAssertLessThanOrEqual(maxDifference(back.predict(s2.data!.test!, indices: Array(0..<20)).array, orig), 1e-6)
    }

    // MARK: without Python

    func testScriptsNameTheirCommandsAndWriteWeightsBeside() throws {
        let s = session(["seed 3", "data moons n=200 validation=40", "model new",
                         "add dense 8 activation=elu kernel_initializer=he_normal", "add batchnorm", "add dense 2 activation=softmax",
                         "compile optimizer=sgd(learning_rate=0.05, momentum=0.9)", "fit epochs=2 batch_size=16"])
        for f in ["keras", "pytorch"] {
            let c = s.run("export \(f) \(dir!)/m_\(f)")
            XCTAssertFalse(c.failed, c.output)
            XCTAssertTrue(c.output.contains("m_\(f).safetensors") && c.output.contains("m_\(f).data.safetensors"), c.output)
            let text = try String(contentsOfFile: "\(dir!)/m_\(f).py", encoding: .utf8)
            for needle in ["# gradlab: data moons n=200 validation=40", "# gradlab: add dense 8 activation=elu kernel_initializer=he_normal",
                           "# gradlab: add batchnorm", "# gradlab: compile optimizer=sgd(learning_rate=0.05, momentum=0.9)",
                           "# gradlab: fit epochs=2 batch_size=16", "# gradlab: evaluate test", "# gradlab: seed 3", "--train"] {
                XCTAssertTrue(text.contains(needle), "\(f) script lacks \(needle)")
            }
            let (w, _) = try SafeTensors.decode(try Data(contentsOf: URL(fileURLWithPath: "\(dir!)/m_\(f).safetensors")))
            for p in s.model!.parameters { XCTAssertEqual(w[p.path]?.array, p.value.array, p.path) }
            let (samples, _) = try SafeTensors.decode(try Data(contentsOf: URL(fileURLWithPath: "\(dir!)/m_\(f).data.safetensors")))
            XCTAssertEqual(samples["x_train"]?.shape, [160, 2])
            XCTAssertEqual(samples["y_validation"]?.shape, [40])
            XCTAssertEqual(samples["x_test"]?.shape, [40, 2])
        }
        let torch = try String(contentsOfFile: "\(dir!)/m_pytorch.py", encoding: .utf8)
        XCTAssertTrue(torch.contains("KerasBatchNorm1d(8, momentum=1 - 0.99, eps=0.001)"), torch)
        XCTAssertTrue(torch.contains(".T)"), "kernels are transposed for nn.Linear")
        XCTAssertTrue(torch.contains("class KerasSGD"))
        let keras = try String(contentsOfFile: "\(dir!)/m_keras.py", encoding: .utf8)
        XCTAssertTrue(keras.contains("keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=False)"), keras)
    }

    func testWhatCannotBeExportedIsNamed() throws {
        let s = session(["data moons n=100", "model new", "add dense 4"])
        var c = s.run("export keras \(dir!)/x.py")
        XCTAssertTrue(c.failed && c.output.contains("compile"), c.output)
        // gradlab's softmax over a non-flat sample normalizes all its values; Keras and PyTorch the last axis only.
        let img = SampleStorage(features: .bytes([UInt8](repeating: 7, count: 2 * 16)), sampleShape: [4, 4], targets: [0, 1])
        let s2 = Session(seed: 1, sessionsDirectory: dir)
        s2.data = Dataset(name: "tiny", train: DataSplit(storage: img, range: 0..<2), classCount: 2)
        for l in ["model new", "add activation softmax", "add flatten", "add dense 2 activation=softmax", "compile"] { XCTAssertFalse(s2.run(l).failed, l) }
        for f in ["keras", "pytorch"] {
            c = s2.run("export \(f) \(dir!)/y.py")
            XCTAssertTrue(c.failed, c.output)
            XCTAssertTrue(c.output.contains("layer 0 activation") && c.output.contains("add flatten before it"), c.output)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/y.py"), "nothing is written when the export is refused")
        let s3 = Session(seed: 1, sessionsDirectory: dir)
        c = s3.run("export pytorch \(dir!)/z.py")
        XCTAssertTrue(c.failed && c.output.contains("no model"), c.output)
        XCTAssertFalse(s3.run("export torch").output.isEmpty)
        let s4 = session(["data moons n=100", "model new", "add dense 2 activation=softmax", "compile"])
        c = s4.run("export keras \(dir!)/keras.py")
        XCTAssertTrue(c.failed && c.output.contains("would hide Python's `keras` module"), c.output)
    }

    func testNPZArchivesFromNumpy() throws {
        let py = try requirePython()
        let r = Self.run(py, ["-c", """
            import numpy as np
            x = np.arange(24, dtype=np.float32).reshape(4, 2, 3); y = np.array([0, 1, 1, 0])
            np.savez("plain.npz", x=x, y=y)
            np.savez_compressed("packed.npz", x_train=x, y_train=y, x_test=x[:2], y_test=y[:2])
            np.save("fortran.npy", np.asfortranarray(x[0]))
            """], cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let plain = try NPY.loadArchive(path: dir + "/plain.npz")
        XCTAssertEqual(plain["x"]?.shape, [4, 2, 3])
        XCTAssertEqual(plain["x"]?.floats, (0..<24).map(Float.init))
        XCTAssertEqual(plain["y"]?.floats, [0, 1, 1, 0])
        let d = try NPY.dataset(archive: dir + "/packed.npz")
        XCTAssertEqual(d.train.count, 4)
        XCTAssertEqual(d.test?.count, 2)
        XCTAssertEqual(d.sampleShape, [2, 3])
        XCTAssertEqual(try NPY.load(path: dir + "/fortran.npy").floats, [0, 1, 2, 3, 4, 5])
        XCTAssertThrowsError(try NPY.dataset(archive: dir + "/plain.npz", x: "nope")) { XCTAssertTrue("\($0)".contains("holds: x, y"), "\($0)") }
    }
}
