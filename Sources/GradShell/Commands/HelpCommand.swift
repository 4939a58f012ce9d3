/// `help [COMMAND]`: the command list, or one command's usage, keys and examples.
struct HelpCommand: Command {
    static let spec = CommandSpec(
        name: "help", summary: "list commands, or explain one", usage: "help [COMMAND]",
        positional: .commands, examples: ["help", "help fit"])
    let topic: String?

    init(_ args: inout Arguments, session: Session) throws {
        if let a = args.nextArgument() {
            let w = ValueParsing.name(a.value) ?? a.value.text
            guard Registry.spec(named: w) != nil else {
                throw ShellError("no help for '\(w)'" + Suggestions.hint(for: w, in: Registry.names), at: a.span)
            }
            topic = w
        } else {
            topic = nil
        }
    }

    func run(_ session: Session) throws -> String {
        if let t = topic, let s = Registry.spec(named: t) { return HelpCommand.text(for: s) }
        var lines = ["gradlab \(Session.version) — train neural networks one command at a time.", ""]
        var categories: [String] = []
        for c in Registry.commands where !categories.contains(c.spec.category) { categories.append(c.spec.category) }
        for cat in categories {
            lines.append(cat.uppercased())
            for c in Registry.commands where c.spec.category == cat {
                lines.append("  " + c.spec.name.padding(toLength: 12, withPad: " ", startingAt: 0) + c.spec.summary)
            }
        }
        lines.append("")
        lines.append("`help COMMAND` shows its keys and examples. Keys are key=value; lists are a,b,c; ranges are 0..4.")
        return lines.joined(separator: "\n")
    }

    static func text(for s: CommandSpec) -> String {
        var lines = ["\(s.name) — \(s.summary)", "", "usage: \(s.usage)"]
        if !s.discussion.isEmpty { lines += ["", s.discussion] }
        if !s.keys.isEmpty {
            lines.append("")
            lines.append("keys:")
            for k in s.keys { lines.append("  " + (k.name + "=").padding(toLength: 22, withPad: " ", startingAt: 0) + k.help) }
        }
        if !s.examples.isEmpty {
            lines.append("")
            lines.append("examples:")
            for e in s.examples { lines.append("  " + e) }
        }
        return lines.joined(separator: "\n")
    }
}
