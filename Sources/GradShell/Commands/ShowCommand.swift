import GradNN

/// `show sample N`: draws a data sample in the terminal with its label.
struct ShowCommand: Command {
    static let spec = CommandSpec(
        name: "show", summary: "draw a data sample in the terminal", usage: "show sample N [split=train|validation|test]",
        keys: [KeySpec("split", "which split (default train)", .words(["train", "validation", "test"]))],
        positional: .words(["sample"]), examples: ["show sample 0", "show sample 3 split=test"], category: "data")
    let index: Int
    let splitName: String

    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("show what? try `show sample 0`") }
        _ = try Arguments.choice(a, name: "show", from: ["sample"])
        guard let i = try args.int("index", positional: true, range: 0...Int.max) else { throw ShellError("show sample needs an index, e.g. `show sample 0`") }
        index = i
        splitName = try args.choice("split", from: ["train", "validation", "valid", "test"], default: "train")!
    }

    func run(_ session: Session) throws -> String {
        let d = try session.requireData()
        guard let split = d.split(named: splitName) else { throw ShellError("the data has no \(splitName) split") }
        guard index < split.count else { throw ShellError("sample \(index) is out of range; the \(splitName) split has \(split.count) samples (0…\(split.count - 1))") }
        let label = Int(split.target(index))
        let name = label < d.classNames.count ? d.classNames[label] : String(split.target(index))
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
}
