import Foundation
import GradNN
import GradTensor

/// `model new | save PATH | load PATH | reuse PATH layers=0..3 trainable=false`.
struct ModelCommand: Command {
    static let spec = CommandSpec(
        name: "model", summary: "start, save, load or reuse a model",
        usage: "model new | model save PATH | model load PATH | model reuse PATH layers=A..B [trainable=false] | model import keras CONFIG.json WEIGHTS.safetensors",
        discussion: "A saved model is a folder: model.json (architecture, compile settings), model.safetensors (weights) and optimizer.safetensors (slots, for resuming). Other tools read both formats. `model reuse current` copies layers of the session's own model (the book's clone_model + set_weights: training the new model leaves the copied weights where they were; sharing the layers, as Sequential(model_A.layers[:-1]) does, is the trap the book warns about and is not offered). `model import keras` reads a Keras Sequential model: in Python, `open(\"model.json\", \"w\").write(model.to_json())` and `safetensors.numpy.save_file({v.path: v.numpy() for v in model.weights}, \"model.safetensors\")`.",
        keys: [KeySpec("layers", "reuse: which layers to copy (e.g. 0..3)"),
               KeySpec("trainable", "reuse: whether the copied layers train", .words(["true", "false"])),
               KeySpec("mc", "reuse: true turns every dropout / alpha_dropout into mc_dropout / mc_alpha_dropout (the book's mc_model; default layers: all)", .words(["true", "false"]))],
        positional: .words(["new", "save", "load", "reuse", "import"]),
        examples: ["model new", "model save sessions/mlp", "model load sessions/mlp", "model reuse sessions/mlp layers=0..2 trainable=false", "model reuse current layers=0..3"],
        category: "model")
    enum Action { case new, save(String), load(String), reuse(String, [Int]?, trainable: Bool, mc: Bool), importKeras(String, String) }
    let action: Action

    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("model what? try `model new`") }
        switch try Arguments.choice(a, name: "model action", from: ["new", "save", "load", "reuse", "import"]) {
        case "import":
            guard let fmt = args.nextArgument() else { throw ShellError("usage: model import keras CONFIG.json WEIGHTS.safetensors") }
            _ = try Arguments.choice(fmt, name: "import format", from: ["keras"])
            guard let c = try args.string("config", positional: true), let w = try args.string("weights", positional: true) else {
                throw ShellError("usage: model import keras CONFIG.json WEIGHTS.safetensors")
            }
            action = .importKeras(c, w)
        case "new": action = .new
        case "save":
            guard let p = try args.string("path", positional: true) else { throw ShellError("model save needs a PATH, e.g. `model save sessions/mlp`") }
            action = .save(p)
        case "load":
            guard let p = try args.string("path", positional: true) else { throw ShellError("model load needs a PATH") }
            action = .load(p)
        default:
            guard let p = try args.string("path", positional: true) else { throw ShellError("model reuse needs a PATH") }
            let mc = try args.bool("mc", default: false)
            action = .reuse(p, try args.indices("layers", limit: 10_000), trainable: try args.bool("trainable", default: mc), mc: mc)
        }
    }

    func run(_ session: Session) throws -> String {
        switch action {
        case .new:
            let old = session.model
            session.model = Sequential()
            session.pushUndo("model new") { [unowned session] in session.model = old }
            return "new Sequential model; add layers with `add`"
        case .save(let path):
            let m = try session.requireBuiltModel()
            let dir = try session.writablePath(path)
            do { try ModelStore.save(m, to: dir) } catch let e as ModelError { throw ShellError(e.message) }
            return "saved \(plural(m.layers.count, "layer")) (\(m.counts.total.formatted) parameters) to \(dir)/"
        case .load(let path):
            let m: Sequential
            do { m = try ModelStore.load(from: session.readablePath(path)) } catch let e as ModelError { throw ShellError(e.message) }
            if let d = session.data, let s = m.inputShape, s != d.sampleShape {
                session.emit("note: this model expects \(shapeText(s)) but the loaded data has \(shapeText(d.sampleShape))")
            }
            let old = session.model
            session.model = m
            session.pushUndo("model load") { [unowned session] in session.model = old }
            // Undo gives the old model back, but not the budget: these epochs were brought in.
            session.exerciseTraining.adopt(m.history.epochs, from: path)
            return "loaded \(plural(m.layers.count, "layer")) (\(m.counts.total.formatted) parameters)\(m.isCompiled ? ", compiled with \(m.optimizer!.description)" : "") from \(path)"
        case .importKeras(let config, let weights):
            let result: (model: Sequential, notes: [String])
            do { result = try KerasImport.load(configPath: session.readablePath(config), weightsPath: session.readablePath(weights)) }
            catch let e as ModelError { throw ShellError(e.message) }
            for n in result.notes { session.emit("note: " + n) }
            let old = session.model
            session.model = result.model
            session.pushUndo("model import") { [unowned session] in session.model = old }
            session.exerciseTraining.adoptWeights(from: weights)
            let m = result.model
            return "imported \(plural(m.layers.count, "layer")) (\(m.counts.total.formatted) parameters) from Keras" + (m.isCompiled ? "" : "; compile it before training")
        case .reuse(let path, let which, let trainable, let mc):
            let source: Sequential
            let fromSession = path == "current"
            do {
                if fromSession {
                    // The book's clone_model + set_weights: a copy, so training the new model leaves this one as it is.
                    guard let current = session.model else { throw ShellError("no current model to reuse; build one with `model new` and `add`") }
                    _ = try session.requireBuiltModel()
                    source = try ModelStore.clone(current)
                } else {
                    source = try ModelStore.load(from: session.readablePath(path))
                }
            } catch let e as ModelError { throw ShellError(e.message) }
            let idx = which ?? Array(0..<max(0, source.layers.count - (mc ? 0 : 1)))
            if let b = idx.first(where: { $0 >= source.layers.count }) {
                throw ShellError("layer \(b) does not exist; the \(fromSession ? "current" : "saved") model has layers 0…\(source.layers.count - 1)")
            }
            let m = Sequential()
            var layers = idx.map { source.layers[$0] }
            if mc { layers = try layers.map(ModelCommand.monteCarlo) }
            m.setLayers(layers, inputShape: source.inputShape)
            try ModelCommand.checkChain(m, indices: idx)
            for l in layers where !trainable { l.setFrozen(true) }
            if mc, idx == Array(source.layers.indices) {
                // The whole model, made MC: it keeps its compile settings (fresh optimizer state).
                m.loss = source.loss
                m.optimizer = source.optimizer
            }
            let old = session.model
            session.model = m
            session.pushUndo("model reuse") { [unowned session] in session.model = old }
            if !fromSession { session.exerciseTraining.adopt(source.history.epochs, from: path) }
            let origin = "layers \(idx.map(String.init).joined(separator: ",")) of \(fromSession ? "a copy of the current model" : path)"
            if mc {
                let turned = layers.filter { $0 is MCDropout || $0 is MCAlphaDropout }.count
                return "new model from \(origin), with \(plural(turned, "dropout layer")) made MC (on at inference too)" + (trainable ? "" : " (frozen)") +
                    (m.isCompiled ? "" : "; compile it") + "; `evaluate` and `predict` now draw a new pass each time"
            }
            return "new model from \(origin)" + (trainable ? "" : " (frozen: set trainable N true to unfreeze)") +
                "; add the new top layers, then compile"
        }
    }
}

extension ModelCommand {
    /// The book's `mc_model`: a dropout layer becomes its MC variant (same rate,
    /// built for the same shape); every other layer is kept as it is.
    static func monteCarlo(_ l: Layer) throws -> Layer {
        var rng = RandomGenerator(seed: 0)
        let mc: Layer
        if let d = l as? Dropout {
            mc = MCDropout(rate: d.rate, name: "mc_" + d.name)
        } else if let d = l as? AlphaDropout {
            mc = MCAlphaDropout(rate: d.rate, name: "mc_" + d.name)
        } else {
            return l
        }
        if l.isBuilt { try mc.build(inputShape: l.outputShape, rng: &rng) }
        return mc
    }

    /// Refuses reused layers that do not fit together (`layers=0,2,4` of a
    /// 784-100-100 net): the same architecture built fresh on the model's input
    /// must give every variable the shape the reused one has.
    static func checkChain(_ m: Sequential, indices: [Int]) throws {
        guard let input = m.inputShape, m.layers.allSatisfy(\.isBuilt) else { return }
        var rng = RandomGenerator(seed: 0)
        let fresh: Sequential
        do { fresh = try ModelStore.freshCopy(of: m, rng: &rng) } catch let e as ModelError {
            throw ShellError("layers \(indices.map(String.init).joined(separator: ",")) do not fit together: \(e.message)")
        }
        var current = input
        for (k, (a, b)) in zip(m.layers, fresh.layers).enumerated() {
            if a.parameters.map(\.value.shape) != b.parameters.map(\.value.shape) {
                throw ShellError("layer \(indices[k]) was built for other inputs than \(k == 0 ? "the model's" : "layer \(indices[k - 1])'s") output \(shapeText(current)); reuse consecutive layers, e.g. layers=0..\(indices[k] - 1)")
            }
            current = b.outputShape
        }
    }
}

extension Int {
    /// 266,610-style grouping, as Keras prints counts.
    var formatted: String {
        let s = String(abs(self))
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (self < 0 ? "-" : "") + String(out.reversed())
    }
}
