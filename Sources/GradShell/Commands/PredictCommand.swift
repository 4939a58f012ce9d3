import Foundation
import GradNN
import GradTensor

/// `predict [mc] index=0..4 [split=test] [samples=100]`: class probabilities,
/// predicted and true labels; with `mc`, the MC Dropout mean and spread.
struct PredictCommand: Command {
    static let spec = CommandSpec(
        name: "predict", summary: "class probabilities for some samples (mc: MC Dropout mean ± std)",
        usage: "predict [mc] index=I|A..B|I,J,… [split=test] [samples=100] [file=preds.npy] [passes=passes.npy]",
        discussion: "MC Dropout (the notes' `model(X, training=True)` 100 times) keeps BatchNormalization in inference mode and turns on only dropout, so the spread comes from dropout alone. file=F.npy writes the probabilities as a float32 [samples, classes] NumPy array (the whole split unless index= is given) instead of printing them, as Keras' model.predict(X) returns them; with mc, the mean goes to F.npy and the standard deviation to F_std.npy. With mc, passes=P.npy also writes every pass: a float32 [passes, samples, classes] array, the book's y_probas = np.stack([model(X_test, training=True) for sample in range(100)]), whose mean over axis 0 is F.npy's (the same passes; P.npy alone when file= is not given). A model with mc_dropout or mc_alpha_dropout layers (the book's MCDropout) keeps them on at inference, so a plain predict is itself one stochastic pass and changes from call to call, as Keras' model.predict does with them.",
        keys: [KeySpec("index", "which samples: 3, 0..4 or 1,5,9"),
               KeySpec("split", "test (default), validation or train", .words(["test", "validation", "train"])),
               KeySpec("samples", "mc: number of stochastic passes (default 100)"),
               KeySpec("file", "write the probabilities to this .npy file instead of printing them"),
               KeySpec("passes", "mc: write every pass, [passes, samples, classes], to this .npy file (the book's y_probas)")],
        positional: .words(["mc"]),
        examples: ["predict index=0..4", "predict mc samples=100 index=0..2", "predict file=sessions/preds.npy",
                   "predict mc samples=100 file=sessions/mc.npy passes=sessions/mc_passes.npy"], category: "train")
    let mc: Bool
    let indexArg: Argument?
    let splitName: String
    let samples: Int
    let file: Argument?
    let passes: Argument?

    /// The most bytes `passes=` may hold: passes × samples × classes floats.
    static let passesLimit = 1 << 30

    init(_ args: inout Arguments, session: Session) throws {
        var mc = false
        if args.peekWord() == "mc" { _ = args.nextArgument(); mc = true }
        self.mc = mc
        indexArg = args.argument("index", positional: true)
        splitName = try args.choice("split", from: ["test", "validation", "valid", "val", "train"], default: "test")!
        samples = try args.int("samples", default: 100, range: 1...100_000)!
        file = args.keyword("file")
        passes = args.keyword("passes")
        if let passes, !mc {
            throw ShellError("passes= writes the MC Dropout passes; use `predict mc samples=N passes=F.npy`", at: passes.span)
        }
    }

    func run(_ session: Session) throws -> String {
        let m = try session.requireBuiltModel()
        let d = try session.requireData(for: m)
        guard let split = d.split(named: splitName), split.count > 0 else { throw ShellError("the data has no \(splitName) split") }
        var a = try Arguments(ParsedLine(command: "predict", commandSpan: 0..<0, arguments: indexArg.map { [Argument(key: "index", value: $0.value, span: $0.span)] } ?? [], flags: [], source: ""), keys: ["index"])
        if file != nil || passes != nil {
            let indices = try a.indices("index", limit: split.count)
            return try write(to: file, passes: passes, model: m, split: split, indices: indices, session)
        }
        let idx = try a.indices("index", limit: split.count) ?? [0]
        guard idx.count <= 1000 else { throw ShellError("predict shows at most 1000 samples; use evaluate for more, or file=preds.npy") }
        let names = d.classNames
        var lines: [String] = []
        var detRng = session.rng
        let det = m.predict(split, indices: idx, rng: &detRng)
        session.rng = detRng
        let classes = det.columns
        if mc {
            var rng = session.rng
            let r = m.predictMonteCarlo(split, indices: idx, samples: samples, rng: &rng, shouldStop: session.interruptRequested)
            session.rng = rng
            session.clearInterrupt()
            lines.append("MC Dropout: \(plural(r.passes, "pass", "passes")), dropout on, "
                         + "BatchNormalization in inference mode")
            for (row, i) in idx.enumerated() {
                let t = Accuracy.classIndex(split.target(i))
                let pm = Accuracy.argmax(r.mean.data + row * classes, classes)
                let pd = Accuracy.argmax(det.data + row * classes, classes)
                lines.append("sample \(i): true \(label(t, names)) | mc: \(label(pm, names)) | "
                             + "single: \(label(pd, names))")
                lines += PredictCommand.table(names: names, classes: classes, corner: "  class ", rows: [
                    ("  mean  ", { r.mean[row, $0] }), ("  std   ", { r.std[row, $0] }), ("  single", { det[row, $0] }),
                ])
            }
            return lines.joined(separator: "\n")
        }
        // A few classes: predicted and true beside the probabilities;
        // more (Fashion-MNIST's 10): on a line of their own.
        let beside = 8 + classes * PredictCommand.column + 30 <= 80
        var rows: [(String, (Int) -> Float)] = []
        var verdicts: [String] = []
        for (row, i) in idx.enumerated() {
            let t = Accuracy.classIndex(split.target(i))
            let p = classes == 1 ? (det[row, 0] > 0.5 ? 1 : 0) : Accuracy.argmax(det.data + row * classes, classes)
            rows.append((String(format: "%6d  ", i), { det[row, $0] }))
            let wrong = p == t ? "" : "  " + Style.fail("✗", enabled: session.useColor)
            verdicts.append(beside
                ? "  " + label(p, names).padding(toLength: 12, withPad: " ", startingAt: 0) + "  "
                    + label(t, names) + wrong
                : "predicted \(label(p, names)), true \(label(t, names))" + wrong)
        }
        let table = PredictCommand.table(names: names, classes: classes, corner: "sample  ", rows: rows)
        guard beside else {
            if classes <= PredictCommand.perRow {
                lines.append(table[0])
                for (k, v) in verdicts.enumerated() { lines += [table[k + 1], "        " + v] }
            } else {
                lines += table + zip(idx, verdicts).map { "sample \($0): \($1)" }
            }
            return lines.joined(separator: "\n")
        }
        lines.append(table[0] + "  predicted     true")
        for (k, v) in verdicts.enumerated() { lines.append(table[k + 1] + v) }
        return lines.joined(separator: "\n")
    }

    /// `file=`: the probabilities (MC mean, and std beside it) as float32 .npy
    /// arrays; `passes=`: every MC pass as one [passes, samples, classes] array.
    func write(to file: Argument?, passes: Argument?, model m: Sequential, split: DataSplit, indices: [Int]?,
               _ session: Session) throws -> String {
        func npyPath(_ a: Argument, _ key: String) throws -> String {
            let path = try session.writablePath(a.value.text.replacingOccurrences(of: "\"", with: ""), defaultExtension: "npy")
            guard path.hasSuffix(".npy") else { throw ShellError("\(key)= names a NumPy .npy file, like sessions/preds.npy", at: a.span) }
            return path
        }
        let path = try file.map { try npyPath($0, "file") }
        let passesPath = try passes.map { try npyPath($0, "passes") }
        let stdPath = path.map { String($0.dropLast(4)) + "_std.npy" }
        if let passes, let passesPath, [path, stdPath].contains(passesPath) {
            throw ShellError("passes= must name another file than file= and its _std.npy", at: passes.span)
        }
        let idx = indices ?? Array(0..<split.count)
        func save(_ t: Tensor, _ p: String) throws {
            do { try AtomicFile.write(NPY.encode(shape: [t.rows, t.columns], floats: t.array), to: p) }
            catch { throw ShellError("could not write \(p): \(error)") }
        }
        if mc {
            let classes = m.outputShape?.reduce(1, *) ?? 1
            var stack: Tensor? = nil
            if let passes {
                let bytes = Double(samples) * Double(idx.count) * Double(classes) * 4
                guard bytes <= Double(PredictCommand.passesLimit) else {
                    let limit = AddCommand.bytesText(Double(PredictCommand.passesLimit))
                    throw ShellError("passes= would hold \(samples) × \(idx.count) × \(classes) floats (\(AddCommand.bytesText(bytes))); "
                                     + "the limit is \(limit): lower samples= or choose index=", at: passes.span)
                }
                stack = Tensor(zeros: [samples * idx.count * classes])
            }
            var rng = session.rng
            let n = idx.count
            let r = m.predictMonteCarlo(split, indices: idx, samples: samples, rng: &rng, shouldStop: session.interruptRequested,
                                        eachPass: stack.map { st in { pass, first, out in
                                            (st.data + (pass * n + first) * classes).update(from: out.data, count: out.count)
                                        } })
            session.clearInterrupt()
            var wrote: [String] = []
            if let path, let stdPath {
                try save(r.mean, path)
                try save(r.std, stdPath)
                wrote.append("the MC Dropout mean of \(plural(r.passes, "pass", "passes")) over \(plural(idx.count, "sample")) × \(r.mean.columns) classes (float32) to \(path), and its standard deviation to \(stdPath)")
            }
            if let passesPath {
                // An interrupt keeps the passes that finished, as the mean does.
                let kept = Array(stack?.array.prefix(r.passes * n * classes) ?? [])
                do { try AtomicFile.write(NPY.encode(shape: [r.passes, n, classes], floats: kept), to: passesPath) }
                catch { throw ShellError("could not write \(passesPath): \(error)") }
                let shape = "float32 [\(r.passes), \(n), \(classes)]"
                wrote.append(path.map { "every pass to \(passesPath) (\(shape), the book's y_probas, whose mean over axis 0 is \($0))" }
                             ?? "\(plural(r.passes, "MC Dropout pass", "MC Dropout passes")) over \(plural(n, "sample")) to \(passesPath) (\(shape), the book's y_probas)")
            }
            session.rng = rng
            return "wrote " + wrote.joined(separator: "; and ")
        }
        guard let path else { throw ShellError("predict needs file=F.npy") }
        var rng = session.rng
        let p = m.predict(split, indices: idx, rng: &rng)
        try save(p, path)
        session.rng = rng
        return "wrote \(plural(idx.count, "sample")) × \(p.columns) class probabilities (float32) to \(path); in Python: np.load(\"\(path)\")"
    }

    /// Columns per class: a probability as `%7.3f`, a class name cut to 6 characters.
    static let column = 7
    /// At most this many classes per row, so a row fits 80 columns.
    static let perRow = 10

    /// A header of class names and one row of probabilities per entry, in blocks
    /// of `perRow` classes (the header repeated per block) so each line fits 80 columns.
    static func table(names: [String], classes: Int, corner: String, rows: [(String, (Int) -> Float)]) -> [String] {
        var out: [String] = []
        for lo in stride(from: 0, to: max(classes, 1), by: perRow) {
            let cols = lo..<min(classes, lo + perRow)
            out.append(corner + cols.map { c in
                let n = String((c < names.count ? names[c] : String(c)).prefix(column - 1))
                    .trimmingCharacters(in: .whitespaces)
                return String(repeating: " ", count: column - n.count) + n
            }.joined())
            for (name, value) in rows { out.append(name + cols.map { String(format: "%7.3f", value($0)) }.joined()) }
        }
        return out
    }

    func label(_ i: Int, _ names: [String]) -> String { i >= 0 && i < names.count && names[i] != String(i) ? "\(i) \(names[i])" : "\(i)" }
}
