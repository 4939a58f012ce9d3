import Foundation

/// `require data SOURCE [key=value…]`: a condition an exercise puts on the
/// work, checked by `check` before its goals count: the session's data must
/// have been loaded as this `data` line loads it, and every epoch trained
/// since `exercise open` must have trained on that data. Lines compare by
/// meaning, not text: `data fashion_mnist limit=15000 validation=5000` meets
/// `require data fashion-mnist validation=5000 limit=15000`.
struct RequireCommand: Command {
    static let spec = CommandSpec(
        name: "require", summary: "state how an exercise's data must be loaded (checked by `check`)",
        usage: "require data SOURCE [key=value…]",
        discussion: "In an exercise, `require data fashion-mnist validation=5000 limit=15000` makes `check` fail, with the reason, unless the session's data was loaded with the same source and settings (in any order, defaults spelled out or not) and every epoch trained since `exercise open` trained on it. Typed on its own it checks the session now. A sealed exercise binds its `require` lines: editing one breaks its seals.",
        keys: DataCommand.spec.keys,
        positional: .words(["data"]),
        examples: ["require data fashion-mnist validation=5000 limit=15000"],
        category: "notebook")
    /// The required `data` line, e.g. `data fashion-mnist validation=5000 limit=15000`.
    let dataLine: String
    let required: String

    init(_ args: inout Arguments, session: Session) throws {
        guard let what = args.nextArgument(), what.value.text.lowercased() == "data" else {
            throw ShellError("usage: require data SOURCE [key=value…], e.g. `require data fashion-mnist validation=5000 limit=15000`")
        }
        let source = args.line.source.trimmingCharacters(in: .whitespaces)
        guard let r = source.range(of: "data") else { throw ShellError("usage: require data SOURCE [key=value…]") }
        dataLine = String(source[r.lowerBound...])
        required = try RequireCommand.canonicalData(dataLine, session)
        guard !required.hasPrefix("show") else { throw ShellError("require data needs a SOURCE, e.g. `require data fashion-mnist`") }
        // The rest of the line was read by the `data` parser above.
        while args.nextArgument() != nil {}
        for k in DataCommand.spec.keys { _ = args.keyword(k.name) }
    }

    /// A `data` line reduced to what it loads: source, settings and defaults, whatever the spelling and order.
    static func canonicalData(_ line: String, _ session: Session) throws -> String {
        guard let parsed = try Parser.parse(line), parsed.command == "data" else { throw ShellError("not a data line: \(line)") }
        var args = try Arguments(parsed, keys: DataCommand.spec.keys.map(\.name))
        let d = try DataCommand(&args, session: session)
        try args.finish()
        return "\(d.source) validation=\(d.validation.map(String.init) ?? "-") validation_split=\(d.validationSplit.map { "\($0)" } ?? "-")"
            + " limit=\(d.limit.map(String.init) ?? "-") standardize=\(d.standardize) classes_only=\(d.keepClasses.map { "\($0)" } ?? "-")"
    }

    /// Why the session does not meet this requirement, or nil when it does.
    func problem(_ session: Session) -> String? {
        guard let recipe = session.dataRecipe, session.data != nil else { return "no data loaded yet; load it with `\(dataLine)`" }
        let matches: (String) -> Bool = { (try? RequireCommand.canonicalData($0, session)) == self.required }
        if !matches(recipe.line) { return "the data was loaded with `\(recipe.line)`; load it with `\(dataLine)` and train again" }
        if session.exercise != nil, let other = session.exerciseTraining.dataLines.first(where: { !matches($0) }) {
            return "some epochs since `exercise open` trained on other data (`\(other)`); start again with `exercise open … fresh=true`"
        }
        return nil
    }

    func run(_ session: Session) throws -> String {
        if let p = problem(session) { throw ShellError("requirement not met: \(dataLine) — \(p)") }
        return "✓ \(dataLine)"
    }
}
