/// `help TOPIC`: the commands and keys that concern a topic of the chapter,
/// found in the command specs by keyword (so a new command or key shows up by
/// itself), with one-line examples.
enum HelpTopics {
    struct Topic {
        let name: String
        let title: String
        /// Whole words looked for in command names, summaries, keys (name, help, values) and examples.
        let keywords: Set<String>
    }

    /// The short topic → keywords table; everything else comes from the registry.
    static let all: [Topic] = [
        Topic(
            name: "batchnorm",
            title: "BatchNormalization: normalize each layer's inputs over the batch, then scale and shift",
            keywords: [
                "batchnorm", "bn", "batch_normalization", "batchnormalization", "moving_mean",
                "moving_variance",
            ]),
        Topic(
            name: "dropout", title: "dropout and alpha dropout: drop random units while training",
            keywords: ["dropout", "alpha_dropout"]),
        Topic(
            name: "mc", title: "MC Dropout: the mean and spread of many predictions with dropout on",
            keywords: ["mc", "mc_accuracy", "mc_dropout", "mc_alpha_dropout"]),
        Topic(
            name: "clipping", title: "gradient clipping: cap the gradients' size before each step",
            keywords: ["clip", "clipnorm", "clipvalue", "global_clipnorm", "clipping"]),
        Topic(
            name: "initializers", title: "weight initialization: the starting weights that keep signals alive",
            keywords: [
                "kernel_initializer", "bias_initializer", "he_normal", "glorot_uniform", "lecun_normal",
                "initializer", "initializers",
            ]),
        Topic(
            name: "activations", title: "activation functions: saturating, ReLU family, SELU",
            keywords: ["activation", "activations", "relu", "leaky_relu", "elu", "selu", "prelu", "rrelu"]),
        Topic(
            name: "optimizers", title: "optimizers: momentum, Nesterov, AdaGrad, RMSProp, Adam, Nadam",
            keywords: ["optimizer", "sgd", "adam", "nadam", "rmsprop", "adagrad", "nesterov"]),
        Topic(
            name: "schedules", title: "learning-rate schedules: power, exponential, piecewise, cosine, polynomial, 1cycle, per epoch (lr_scheduler), on plateau",
            keywords: [
                "schedule", "learning_rate", "lr", "exponential", "piecewise", "power", "one_cycle",
                "reduce_lr_on_plateau", "lr_find",
            ]),
        Topic(
            name: "regularization", title: "regularization: l1/l2, max-norm, dropout, early stopping",
            keywords: [
                "regularizer", "kernel_regularizer", "kernel_constraint", "l1_l2", "max_norm",
                "early_stopping", "dropout",
            ]),
        Topic(
            name: "gradients", title: "vanishing and exploding gradients: look at them layer by layer",
            keywords: ["gradient", "gradients", "vanishing", "exploding", "diagnose"]),
        Topic(
            name: "transcripts", title: "transcripts: save a session as Markdown, replay it, check it, export it",
            keywords: [
                "transcript", "transcripts", "session", "replay", "export", "note", "expect", "check",
                "tutorial", "exercise", "ipynb",
            ]),
    ]

    /// Other spellings people type.
    static let aliases: [String: String] = [
        "bn": "batchnorm", "batch_normalization": "batchnorm", "batchnormalization": "batchnorm",
        "monte_carlo": "mc", "clip": "clipping", "clipnorm": "clipping",
        "initializer": "initializers", "init": "initializers",
        "activation": "activations", "optimizer": "optimizers", "lr": "schedules", "learning_rate": "schedules",
        "regularisation": "regularization", "regularizer": "regularization",
        "transcript": "transcripts", "notebook": "transcripts",
    ]

    static var names: [String] { all.map(\.name) }

    static func topic(named word: String) -> Topic? {
        let w = word.lowercased()
        return all.first { $0.name == (aliases[w] ?? w) }
    }

    /// The words of a text: letters, digits and `_`, lowercased; a path (`sessions/bn-demo`) is not words.
    static func words(_ text: String) -> Set<String> {
        let pieces = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "=" || $0 == "," })
        let words = pieces.filter { !$0.contains("/") }
            .flatMap { $0.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }) }
        return Set(words.map(String.init))
    }

    /// Commands whose examples are prose or help itself: never listed under a topic.
    static let skipped: Set<String> = ["help", "note"]

    static func concerns(_ text: String, _ t: Topic) -> Bool { !words(text).isDisjoint(with: t.keywords) }

    /// One line per command that concerns the topic, its keys that do, and up to two examples.
    static func text(for t: Topic) -> String {
        var lines = ["\(t.name) — \(t.title)", ""]
        for c in Registry.commands where !skipped.contains(c.spec.name) {
            let s = c.spec
            let keys = s.keys.filter { k in
                var text = k.name + " " + k.help
                if case .words(let w) = k.completion { text += " " + w.joined(separator: " ") }
                return concerns(text, t)
            }
            let positional: Bool = {
                switch s.positional {
                case .words(let w): return concerns(w.joined(separator: " "), t)
                case .layerKinds: return concerns(AddCommand.kinds.joined(separator: " "), t)
                default: return false
                }
            }()
            let examples = s.examples.filter { concerns($0, t) }
            guard concerns(s.name + " " + s.summary, t) || !keys.isEmpty || positional || !examples.isEmpty else {
                continue
            }
            lines.append("  " + s.name.padding(toLength: 12, withPad: " ", startingAt: 0) + s.summary)
            for k in keys {
                lines.append("    " + (k.name + "=").padding(toLength: 20, withPad: " ", startingAt: 0) + k.help)
            }
            // The shortest examples read best on one line.
            for e in examples.sorted(by: { $0.count < $1.count }).prefix(2) { lines.append("    e.g. " + e) }
        }
        lines += ["", "`help COMMAND` shows all of a command's keys; `help` lists the topics."]
        return lines.joined(separator: "\n")
    }
}
