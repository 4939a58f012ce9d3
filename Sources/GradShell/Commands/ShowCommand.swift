import GradNN

/// `show sample N`: draws a data sample in the terminal with its label.
struct ShowCommand: Command {
    static let spec = CommandSpec(
        name: "show", summary: "draw a data sample, or a prediction with probability bars",
        usage: "show sample N [split=train] | show prediction N [mc] [split=test] [samples=100]",
        discussion: "`show prediction` draws the image with its true label and the model's class probabilities as bars; with `mc`, the MC Dropout mean and its spread (± one standard deviation).",
        keys: [KeySpec("split", "which split (default train for samples, test for predictions)", .words(["train", "validation", "test"])),
               KeySpec("samples", "mc: stochastic passes (default 100)")],
        positional: .words(["sample", "prediction"]), examples: ["show sample 0", "show sample 3 split=test", "show prediction 0 mc"], category: "data")
    let index: Int
    let splitName: String
    let prediction: Bool
    let mc: Bool
    let samples: Int

    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("show what? try `show sample 0`") }
        let what = try Arguments.choice(a, name: "show", from: ["sample", "prediction", "predictions"])
        prediction = what != "sample"
        guard let i = try args.int("index", positional: true, range: 0...Int.max) else { throw ShellError("show \(what) needs an index, e.g. `show \(what) 0`") }
        index = i
        var mc = false
        if args.peekWord() == "mc" { _ = args.nextArgument(); mc = true }
        self.mc = mc
        splitName = try args.choice("split", from: ["train", "validation", "valid", "test"], default: prediction ? "test" : "train")!
        samples = try args.int("samples", default: 100, range: 1...100_000)!
    }

    func run(_ session: Session) throws -> String {
        if prediction { return try showPrediction(session) }
        let d = try session.requireData()
        guard let split = d.split(named: splitName) else { throw ShellError("the data has no \(splitName) split") }
        guard index < split.count else { throw ShellError("sample \(index) is out of range; the \(splitName) split has \(plural(split.count, "sample")) (0…\(split.count - 1))") }
        let label = Accuracy.classIndex(split.target(index))
        let name = label >= 0 && label < d.classNames.count ? d.classNames[label] : "target \(split.target(index))"
        var lines = ["\(splitName) sample \(index): label \(label) (\(name))"]
        let shape = split.sampleShape
        if shape.count == 2 {
            lines += ImageRenderer.render(width: shape[1], height: shape[0]) { r, c in
                split.storage.value(sample: split.range.lowerBound + index, feature: r * shape[1] + c)
            }
        } else {
            let vals = (0..<min(split.featureCount, 16)).map { String(format: "%.3f", split.storage.value(sample: split.range.lowerBound + index, feature: $0)) }
            lines.append("features: " + vals.joined(separator: " ") + (split.featureCount > 16 ? " …" : ""))
        }
        return lines.joined(separator: "\n")
    }

    func showPrediction(_ session: Session) throws -> String {
        let m = try session.requireBuiltModel()
        let d = try session.requireData(for: m)
        guard let split = d.split(named: splitName) else { throw ShellError("the data has no \(splitName) split") }
        guard index < split.count else { throw ShellError("sample \(index) is out of range; the \(splitName) split has \(plural(split.count, "sample"))") }
        var lines = [try run(ShowCommand.sampleOnly(index, splitName), session)]
        let det = m.predict(split, indices: [index])
        let classes = det.columns
        var mean = (0..<classes).map { det[0, $0] }, std = [Float](repeating: 0, count: classes)
        if mc {
            var rng = session.rng
            let r = m.predictMonteCarlo(split, indices: [index], samples: samples, rng: &rng)
            session.rng = rng
            mean = (0..<classes).map { r.mean[0, $0] }
            std = (0..<classes).map { r.std[0, $0] }
            lines.append("MC Dropout, \(plural(r.passes, "pass", "passes")) (bar = mean, ├┤ = ± one std):")
        }
        let width = 40
        for c in 0..<classes {
            let name = c < d.classNames.count ? d.classNames[c] : String(c)
            var bar = Array(String(repeating: "█", count: Int((mean[c] * Float(width)).rounded())).padding(toLength: width, withPad: " ", startingAt: 0))
            if mc {
                let lo = max(0, Int(((mean[c] - std[c]) * Float(width)).rounded())), hi = min(width - 1, Int(((mean[c] + std[c]) * Float(width)).rounded()))
                if std[c] > 0.005 { bar[lo] = "├"; bar[hi] = "┤" }
            }
            let pct = String(format: "%5.1f%%", 100 * mean[c]) + (mc ? String(format: " ± %4.1f", 100 * std[c]) : "")
            lines.append(String(name.prefix(12)).padding(toLength: 12, withPad: " ", startingAt: 0) + " " + String(bar) + " " + pct)
        }
        return lines.joined(separator: "\n")
    }

    private init(index: Int, splitName: String) {
        self.index = index; self.splitName = splitName; prediction = false; mc = false; samples = 0
    }
    static func sampleOnly(_ i: Int, _ s: String) -> ShowCommand { ShowCommand(index: i, splitName: s) }
    func run(_ c: ShowCommand, _ session: Session) throws -> String { try c.run(session) }
}
