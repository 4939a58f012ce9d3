import Foundation
import GradNN
import GradTensor

/// `export ipynb|md PATH`: the session as a Jupyter notebook or Markdown.
/// `export keras|pytorch PATH.py`: the session's model as a runnable script
/// that gives the same predictions, with its weights (and, for data that is
/// not Fashion-MNIST, its samples) written beside it.
struct ExportCommand: Command {
    static let spec = CommandSpec(
        name: "export", summary: "export the session as a notebook (.ipynb), Markdown, or a runnable Keras / PyTorch script",
        usage: "export ipynb|md PATH | export keras|pytorch PATH.py",
        discussion: "`export keras model.py` writes a Keras 3 script and `export pytorch model.py` a PyTorch one: the same layers, initializers, compile settings, fit arguments and data, each section commented with the gradlab command it came from. The trained weights go beside it as model.safetensors (and, unless the data is Fashion-MNIST, the exact samples as model.data.safetensors). `python model.py` evaluates gradlab's weights and prints the same loss and accuracy as `evaluate`; `python model.py --train` trains from scratch with the same settings. Needs `pip install keras jax safetensors numpy` (or `torch safetensors numpy`).",
        positional: .words(["ipynb", "md", "keras", "pytorch"]),
        examples: ["export ipynb sessions/demo.ipynb", "export md sessions/demo.md", "export keras sessions/mlp.py", "export pytorch sessions/mlp_torch.py"],
        category: "notebook")
    let format: String
    let path: String
    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("export what? ipynb, md, keras or pytorch") }
        var f = try Arguments.choice(a, name: "format", from: ["ipynb", "md", "markdown", "keras", "pytorch", "torch"])
        if f == "torch" { f = "pytorch" }
        format = f
        guard let p = try args.string("path", positional: true) else {
            throw ShellError("export \(format) needs a PATH" + (["keras", "pytorch"].contains(format) ? ", e.g. `export \(format) sessions/model.py`" : ""))
        }
        path = p
    }

    func run(_ session: Session) throws -> String {
        if format == "keras" || format == "pytorch" { return try exportScript(session) }
        let t = Transcript(cells: session.cells)
        let p = try session.writablePath(path, defaultExtension: format == "ipynb" ? "ipynb" : "md")
        let data = format == "ipynb" ? try NotebookExport.ipynb(t) : Data(NotebookExport.markdown(t).utf8)
        do { try atomicWrite(data, to: p) } catch { throw ShellError("cannot write \(p): \(error.localizedDescription)") }
        return "exported \(plural(t.entries.count, "cell")) to \(p)"
    }

    func exportScript(_ session: Session) throws -> String {
        let framework = format == "keras" ? "Keras" : "PyTorch"
        let script = try session.writablePath(path, defaultExtension: "py")
        let module = ((script as NSString).lastPathComponent as NSString).deletingPathExtension
        if ExportCommand.shadowedModules.contains(module.lowercased()) {
            throw ShellError("a script named \(module).py would hide Python's `\(module)` module from itself (Python looks beside the script first); choose another name, e.g. `export \(format) \(((script as NSString).deletingLastPathComponent as NSString).appendingPathComponent("model_" + format + ".py"))`")
        }
        guard session.model != nil else { throw ShellError("no model yet to export; build one with `model new` and `add`") }
        let m = try session.requireCompiled()
        let d = try session.requireData()
        let stem = (script as NSString).deletingPathExtension
        let weights = stem + ".safetensors"
        let dataFile = stem + ".data.safetensors"
        let e = try ExportCommand.describe(session: session, model: m, data: d, scriptPath: script)
        let text = format == "keras" ? try KerasScript.render(e) : try PyTorchScript.render(e)
        var written = [script, weights]
        do {
            try atomicWrite(SafeTensors.encode(m.parameters.map { ($0.path, $0.value) },
                                               metadata: ["format": "gradlab", "layout": "keras", "exported_for": framework]), to: weights)
            if case .arrays = e.source {
                try atomicWrite(ExportCommand.samples(d), to: dataFile)
                written.append(dataFile)
            }
            try atomicWrite(Data(text.utf8), to: script)
        } catch let err as ShellError {
            throw err
        } catch {
            throw ShellError("cannot write the export next to \(script): \(error.localizedDescription)")
        }
        let names = written.dropFirst().map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
        var lines = ["exported a \(framework) script to \(script) (beside it: \(names)); run `python \(script)` to evaluate gradlab's weights on the \(e.evaluationSplit) split, or add --train"]
        lines += e.notes.map { "note: " + $0 }
        return lines.joined(separator: "\n")
    }

    /// Module names a script must not take: the ones the scripts import, and
    /// the standard modules their libraries import at start-up.
    static let shadowedModules: Set<String> = [
        "keras", "jax", "jaxlib", "numpy", "torch", "safetensors", "ml_dtypes", "optree", "absl", "h5py", "scipy", "rich", "namex",
        "packaging", "sympy", "networkx", "jinja2", "fsspec", "filelock", "tree", "argparse", "gzip", "os", "math", "copy", "collections",
        "random", "json", "inspect", "typing", "types", "functools", "io", "re", "string", "enum", "abc", "warnings", "logging",
        "threading", "pickle", "platform", "tempfile", "shutil", "zipfile", "code", "dataclasses", "contextlib", "operator",
        "itertools", "struct", "numbers", "signal", "subprocess", "traceback", "weakref", "ctypes", "datetime", "time", "uuid",
        "queue", "socket", "select", "textwrap", "hashlib", "base64", "glob", "pathlib", "token", "tokenize", "ast", "dis", "site",
    ]

    // MARK: gathering the description

    /// A `ScriptExport` for the session's model and data, reading the
    /// session's cells for the commands that made them.
    static func describe(session: Session, model m: Sequential, data d: Dataset, scriptPath: String) throws -> ScriptExport {
        let stem = ((scriptPath as NSString).lastPathComponent as NSString).deletingPathExtension
        var cells: [(index: Int, cell: Cell, type: any Command.Type, line: ParsedLine)] = []
        for (i, c) in session.cells.enumerated() where !c.failed && !c.isProse {
            guard let line = try? Parser.parse(c.input), let t = try? Registry.lookup(line) else { continue }
            cells.append((i, c, t, line))
        }
        func word(_ l: ParsedLine) -> String? {
            guard let a = l.arguments.first(where: { $0.key == nil }) else { return nil }
            if case .word(let w) = a.value { return w.lowercased() }
            return nil
        }
        let dataCell = cells.last { $0.type == DataCommand.self && word($0.line) != nil }
        let modelCell = cells.last { $0.type == ModelCommand.self && ["new", "load", "reuse", "import"].contains(word($0.line) ?? "") }
        let compileCell = cells.last { $0.type == CompileCommand.self }
        let start = max(modelCell?.index ?? -1, compileCell?.index ?? -1)
        var notes: [String] = []
        var fits: [ScriptExport.Fit] = []
        for c in cells where c.index > start && c.type == FitCommand.self {
            guard var args = try? Arguments(c.line, keys: FitCommand.spec.keys.map(\.name)),
                  let f = try? FitCommand(&args, session: session) else { continue }
            var callbacks: [ScriptExport.Callback] = []
            for spec in f.callbackSpecs {
                guard let cb = try? FitCommand.makeCallback(spec, session: session, dryRun: true) else { continue }
                switch cb {
                case let es as EarlyStopping:
                    callbacks.append(.earlyStopping(monitor: es.monitor, patience: es.patience, restoreBestWeights: es.restoreBestWeights))
                case let r as ReduceLROnPlateau:
                    callbacks.append(.reduceLROnPlateau(monitor: r.monitor, factor: r.factor, patience: r.patience, minLR: r.minLR))
                case let mc as ModelCheckpoint:
                    let kw = try ValueParsing.callArgs(spec.value).keywords
                    let p = (kw["path"] ?? kw["filepath"]).map { $0.value.text.replacingOccurrences(of: "\"", with: "") } ?? session.sessionsDirectory + "/best"
                    callbacks.append(.modelCheckpoint(path: p, monitor: mc.monitor, saveBestOnly: mc.saveBestOnly))
                case let s as LearningRateScheduler:
                    callbacks.append(.learningRateScheduler(python: s.schedule.python, verbose: s.verbose))
                default: notes.append("a callback of `\(c.cell.input)` has no script equivalent and is left out")
                }
            }
            fits.append(.init(command: c.cell.input, epochs: f.epochs, batchSize: f.batchSize, shuffle: f.shuffle, callbacks: callbacks))
        }
        if fits.isEmpty {
            let n = max(1, m.history.epochs.count)
            fits.append(.init(command: "fit epochs=\(n)  (no `fit` after the last compile in this session; --train runs \(n) epoch\(n == 1 ? "" : "s"))",
                              epochs: n, batchSize: 32, shuffle: true, callbacks: []))
        }
        let firstFit = cells.first { $0.index > start && $0.type == FitCommand.self }?.index ?? Int.max
        for c in cells where c.index > (modelCell?.index ?? -1) {
            let name = c.type.spec.name
            if name == "set", word(c.line) == "trainable", c.index > firstFit {
                notes.append("`\(c.cell.input)` ran between fits; the script freezes layers as they are at export time for all of --train")
            }
            if name == "set", word(c.line) == "learning_rate" || word(c.line) == "lr" {
                notes.append("`\(c.cell.input)` changed the rate during the session; the script compiles with the final one")
            } else if ["pretrain", "undo", "try", "lr_find", "search"].contains(name) {
                notes.append("the session also ran `\(c.cell.input)`, which the script does not replay (the trained weights include whatever it kept)")
            }
        }
        if let mc = modelCell, word(mc.line) != "new" {
            notes.append("the model came from `\(mc.cell.input)`; --train starts its layers from fresh weights")
        }

        // Where the samples come from.
        let source: ScriptExport.DataSource
        var isFashion = false
        if d.name == "fashion-mnist", case .bytes = d.train.storage.features, d.train.storage.count == 60_000, d.sampleShape == [28, 28],
           d.train.storage.byteScale == 1 / 255 {  // raw=true pixels are written beside the script instead
            isFashion = d.validation.map { $0.storage === d.train.storage } ?? true
            if let t = d.test {
                if case .bytes = t.storage.features, t.storage.count == 10_000 {} else { isFashion = false }
            }
        }
        // Loaded by `data cifar10`: the script reads the same files (any number of records).
        let isCIFAR = d.name == "cifar10" && (d.validation.map { $0.storage === d.train.storage } ?? true)
        if isCIFAR, let location = d.location, case .bytes = d.train.storage.features {
            let path = location.hasPrefix("/") ? location : FileManager.default.currentDirectoryPath + "/" + location
            source = .cifar10(path: path, train: d.train.range, validation: d.validation?.range, test: d.test?.range,
                              raw: d.train.storage.byteScale == 1)
        } else if isFashion {
            source = .fashionMNIST(directory: FashionMNIST.directory, train: d.train.range, validation: d.validation?.range, test: d.test?.range)
        } else {
            source = .arrays(file: stem + ".data.safetensors")
        }
        var splits = ["train"]
        if (d.validation?.count ?? 0) > 0 { splits.append("validation") }
        if (d.test?.count ?? 0) > 0 { splits.append("test") }
        let evaluation = splits.contains("test") ? "test" : splits.contains("validation") ? "validation" : "train"
        func reconstructedCompile() -> String {
            var s = "compile loss=\(m.loss?.rawValue ?? "?") optimizer=\(m.optimizer?.description ?? "?") metrics=accuracy"
            if let c = m.optimizer?.clipping, c.isActive { s += " " + c.description }
            return s
        }
        return ScriptExport(
            model: m, source: source, sampleShape: d.sampleShape, classCount: d.classCount, splits: splits,
            evaluationSplit: evaluation, standardized: d.train.standardization != nil,
            weightsFile: stem + ".safetensors", scriptFile: (scriptPath as NSString).lastPathComponent, seed: session.seed,
            dataCommand: dataCell?.cell.input ?? "data (\(d.name), loaded outside this transcript)",
            modelCommand: modelCell?.cell.input ?? "model new",
            compileCommand: compileCell.map { c -> String in
                // A later `set learning_rate` changes what compile set; show the final optimizer then.
                notes.contains { $0.contains("changed the rate") } ? reconstructedCompile() + "   (was: \(c.cell.input))" : c.cell.input
            } ?? reconstructedCompile(),
            fits: fits, notes: notes)
    }

    /// The samples of every split as gradlab's model sees them before
    /// standardization (pixels already scaled to [0, 1]), as safetensors.
    static func samples(_ d: Dataset) throws -> Data {
        var tensors: [(String, Tensor)] = []
        for (name, split) in [("train", d.train), ("validation", d.validation), ("test", d.test)] as [(String, DataSplit?)] {
            guard var s = split, s.count > 0 else { continue }
            s.standardization = nil
            let x = Tensor(zeros: [s.count, s.featureCount])
            var y = [Float](repeating: 0, count: s.count)
            y.withUnsafeMutableBufferPointer { s.gather(from: 0, count: s.count, into: x, targets: $0.baseAddress!) }
            x.reshape([s.count] + s.sampleShape)
            tensors.append(("x_\(name)", x))
            tensors.append(("y_\(name)", Tensor(shape: [s.count], values: y)))
        }
        return try SafeTensors.encode(tensors, metadata: ["format": "gradlab", "content": "samples of \(d.name)"])
    }
}
