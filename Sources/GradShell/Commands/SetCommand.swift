import GradNN

/// `set trainable N false|true`, `set learning_rate X`, `set threads N`.
struct SetCommand: Command {
    static let spec = CommandSpec(
        name: "set", summary: "freeze/unfreeze a layer, or change the learning rate",
        usage: "set trainable LAYER|FIRST..LAST|I,J true|false | set learning_rate X",
        discussion: "Freezing keeps a layer's weights fixed (the summary's trainable count drops); a frozen BatchNormalization runs in inference mode, as in Keras 3.",
        positional: .words(["trainable", "learning_rate"]),
        examples: ["set trainable 1 false", "set trainable 1..3 false", "set learning_rate 0.001"], category: "model")
    enum Action { case trainable(Argument, Bool), learningRate(Float) }
    let action: Action

    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("set what? try `set trainable 1 false`") }
        switch try Arguments.choice(a, name: "setting", from: ["trainable", "learning_rate", "lr"]) {
        case "trainable":
            guard let l = args.nextArgument(), let b = args.nextArgument() else {
                throw ShellError("usage: set trainable LAYER true|false")
            }
            action = .trainable(l, try Arguments.bool(b, name: "trainable"))
        default:
            guard let v = args.nextArgument() else { throw ShellError("usage: set learning_rate 0.001") }
            action = .learningRate(try Arguments.float(v, name: "learning_rate", range: 0...1e6))
        }
    }

    func run(_ session: Session) throws -> String {
        switch action {
        case .trainable(let a, let on):
            let m = try session.requireBuiltModel()
            let chosen: [(Int, Layer)]
            switch a.value {
            case .range, .list:
                // `set trainable 1..3 false`: the layers with variables among them (as Keras' loop over model.layers[1:4]).
                var args = try Arguments(ParsedLine(command: "set", commandSpan: 0..<3, arguments: [Argument(key: "layers", value: a.value, span: a.span)], flags: [], source: ""), keys: ["layers"])
                guard let indices = try? args.indices("layers", limit: m.layers.count) else {
                    throw ShellError("layers \(a.value.text): the model has layers 0 to \(m.layers.count - 1)", at: a.span)
                }
                chosen = indices.map { ($0, m.layers[$0]) }.filter { !$0.1.parameters.isEmpty }
                guard !chosen.isEmpty else { throw ShellError("layers \(a.value.text) have no variables to freeze", at: a.span) }
            default:
                let (i, layer) = try VarsCommand.layer(a, in: m)
                guard !layer.parameters.isEmpty else { throw ShellError("layer \(i) \(layer.name) has no variables to freeze") }
                chosen = [(i, layer)]
            }
            let before = m.counts
            let was = chosen.map { ($0.1, $0.1.isFrozen) }
            for (_, l) in chosen { l.setFrozen(!on) }
            session.pushUndo("set trainable") { for (l, f) in was { l.setFrozen(f) } }
            let after = m.counts
            let what = chosen.count == 1 ? "layer \(chosen[0].0) \(chosen[0].1.name) is" : "layers " + chosen.map { "\($0.0) \($0.1.name)" }.joined(separator: ", ") + " are"
            return "\(what) now \(on ? "trainable" : "frozen"); trainable params \(before.trainable.formatted) → \(after.trainable.formatted), non-trainable \(before.nonTrainable.formatted) → \(after.nonTrainable.formatted)"
        case .learningRate(let lr):
            let m = try session.requireCompiled()
            // The rate in force now, the schedule's at this step if there is one.
            let old = m.optimizer!.currentLearningRate
            m.optimizer!.learningRate = lr
            m.optimizer!.schedule = nil
            return "learning rate \(formatFloat(old)) → \(formatFloat(lr))"
        }
    }
}
