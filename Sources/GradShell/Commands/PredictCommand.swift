import GradNN

/// `predict [mc] index=0..4 [split=test] [samples=100]`: class probabilities,
/// predicted and true labels; with `mc`, the MC Dropout mean and spread.
struct PredictCommand: Command {
    static let spec = CommandSpec(
        name: "predict", summary: "class probabilities for some samples (mc: MC Dropout mean ± std)",
        usage: "predict [mc] index=I|A..B|I,J,… [split=test] [samples=100]",
        discussion: "MC Dropout (the notes' `model(X, training=True)` 100 times) keeps BatchNormalization in inference mode and turns on only dropout, so the spread comes from dropout alone.",
        keys: [KeySpec("index", "which samples: 3, 0..4 or 1,5,9"),
               KeySpec("split", "test (default), validation or train", .words(["test", "validation", "train"])),
               KeySpec("samples", "mc: number of stochastic passes (default 100)")],
        positional: .words(["mc"]),
        examples: ["predict index=0..4", "predict mc samples=100 index=0..2"], category: "train")
    let mc: Bool
    let indexArg: Argument?
    let splitName: String
    let samples: Int

    init(_ args: inout Arguments, session: Session) throws {
        var mc = false
        if args.peekWord() == "mc" { _ = args.nextArgument(); mc = true }
        self.mc = mc
        indexArg = args.argument("index", positional: true)
        splitName = try args.choice("split", from: ["test", "validation", "valid", "val", "train"], default: "test")!
        samples = try args.int("samples", default: 100, range: 1...100_000)!
    }

    func run(_ session: Session) throws -> String {
        let m = try session.requireBuiltModel()
        let d = try session.requireData(for: m)
        guard let split = d.split(named: splitName), split.count > 0 else { throw ShellError("the data has no \(splitName) split") }
        var a = try Arguments(ParsedLine(command: "predict", commandSpan: 0..<0, arguments: indexArg.map { [Argument(key: "index", value: $0.value, span: $0.span)] } ?? [], flags: [], source: ""), keys: ["index"])
        let idx = try a.indices("index", limit: split.count) ?? [0]
        guard idx.count <= 1000 else { throw ShellError("predict shows at most 1000 samples; use evaluate for more") }
        let names = d.classNames
        var lines: [String] = []
        let det = m.predict(split, indices: idx)
        let classes = det.columns
        let header = (0..<classes).map { String(($0 < names.count ? names[$0] : String($0)).prefix(7)).padding(toLength: 7, withPad: " ", startingAt: 0) }
        if mc {
            var rng = session.rng
            let r = m.predictMonteCarlo(split, indices: idx, samples: samples, rng: &rng, shouldStop: session.interruptRequested)
            session.rng = rng
            session.clearInterrupt()
            lines.append("MC Dropout: \(r.passes) passes, dropout on, BatchNormalization in inference mode")
            for (row, i) in idx.enumerated() {
                let t = Accuracy.classIndex(split.target(i))
                let pm = Accuracy.argmax(r.mean.data + row * classes, classes)
                let pd = Accuracy.argmax(det.data + row * classes, classes)
                lines.append("sample \(i): true \(label(t, names)) | mc predicts \(label(pm, names)) | deterministic predicts \(label(pd, names))")
                lines.append("  class   " + header.joined(separator: " "))
                lines.append("  mean    " + (0..<classes).map { String(format: "%7.3f", r.mean[row, $0]) }.joined(separator: " "))
                lines.append("  std     " + (0..<classes).map { String(format: "%7.3f", r.std[row, $0]) }.joined(separator: " "))
                lines.append("  single  " + (0..<classes).map { String(format: "%7.3f", det[row, $0]) }.joined(separator: " "))
            }
            return lines.joined(separator: "\n")
        }
        lines.append("        " + header.joined(separator: " ") + "  predicted     true")
        for (row, i) in idx.enumerated() {
            let t = Accuracy.classIndex(split.target(i))
            let p = classes == 1 ? (det[row, 0] > 0.5 ? 1 : 0) : Accuracy.argmax(det.data + row * classes, classes)
            let probs = (0..<classes).map { String(format: "%7.3f", det[row, $0]) }.joined(separator: " ")
            lines.append(String(format: "%6d  ", i) + probs + "  " + label(p, names).padding(toLength: 12, withPad: " ", startingAt: 0) + "  " + label(t, names) + (p == t ? "" : "  ✗"))
        }
        return lines.joined(separator: "\n")
    }

    func label(_ i: Int, _ names: [String]) -> String { i >= 0 && i < names.count && names[i] != String(i) ? "\(i) \(names[i])" : "\(i)" }
}
