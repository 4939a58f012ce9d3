import Foundation
import GradNN
import GradTensor

/// `compare KNOB=a,b,c epochs=N [metric=loss,val_loss]`: a same-seed race of
/// variants that differ in one knob, their curves overlaid (the book's cell 64).
struct CompareCommand: Command {
    static let knobs = ["optimizer", "kernel_initializer", "activation", "learning_rate", "batchnorm", "clipnorm"]
    static let spec = CommandSpec(
        name: "compare", summary: "race variants that differ in one knob, from the same seed",
        usage: "compare KNOB=V1,V2,… [epochs=3] [batch_size=32] [metric=val_loss] [file=PATH.svg] [keep=best]",
        discussion: "Knobs: optimizer=sgd,adam,…; kernel_initializer=…; activation=… (hidden layers); learning_rate=…; batchnorm=off,on (BN after every hidden dense); clipnorm=none,1.0. Every variant is rebuilt from the current architecture with the same seed, so it starts from the same weights where the shapes allow and sees the same batches in the same order. The chart shows each variant's val_loss per epoch (loss without validation data); metric= picks one or two of loss, val_loss, accuracy, val_accuracy, lr, so metric=loss,val_loss overlays every variant's training and validation loss as the book's cell 64 does (validation dashed in SVG; a second scale, as in metric=loss,val_accuracy, goes on the right). The current model is untouched unless keep=best.",
        keys: [KeySpec("optimizer", "optimizers to race", .words(OptimizerRules.names)),
               KeySpec("kernel_initializer", "initializers to race", .words(Initializer.names)),
               KeySpec("activation", "hidden activations to race", .words(Activation.names)),
               KeySpec("learning_rate", "learning rates to race"),
               KeySpec("batchnorm", "off,on", .words(["off", "on"])),
               KeySpec("clipnorm", "none,1.0"),
               KeySpec("epochs", "epochs per variant (default 3)"), KeySpec("batch_size", "default 32"),
               KeySpec("metric",
                       "one or two series per variant to draw (default val_loss, or loss without validation data)",
                       .words(HistoryMetric.names)),
               KeySpec("file", "also write the chart as SVG", .paths), KeySpec("keep", "best: replace the model with the winner", .words(["best"]))],
        examples: ["compare optimizer=sgd,sgd(momentum=0.9),sgd(momentum=0.9,nesterov=true),rmsprop,adam,nadam epochs=3",
                   "compare activation=sigmoid,relu,elu,selu epochs=2", "compare batchnorm=off,on epochs=1",
                   "compare optimizer=sgd,adam epochs=10 metric=loss,val_loss"],
        category: "experiment")

    let knob: String
    let variants: [Argument]
    let epochs: Int
    let batchSize: Int
    let file: String?
    let keepBest: Bool
    /// The series drawn per variant; nil: val_loss, or loss without validation data.
    let metrics: [HistoryMetric]?

    init(_ args: inout Arguments, session: Session) throws {
        var found: (String, Argument)? = nil
        for k in CompareCommand.knobs {
            if let a = args.keyword(k) {
                if found != nil { throw ShellError("compare races one knob at a time; use `try` to change several", at: a.span) }
                found = (k, a)
            }
        }
        guard let (k, a) = found else { throw ShellError("compare needs one knob: " + CompareCommand.knobs.map { $0 + "=…" }.joined(separator: ", ")) }
        knob = k
        if case .list(let items) = a.value { variants = items.map { Argument(key: k, value: $0, span: a.span) } } else { variants = [a] }
        guard variants.count <= 12 else { throw ShellError("compare takes at most 12 variants", at: a.span) }
        epochs = try args.int("epochs", default: 3, range: 1...10_000)!
        batchSize = try args.int("batch_size", default: 32, range: 1...1_000_000)!
        file = try args.string("file")
        keepBest = try args.choice("keep", from: ["best", "none"], default: "none") == "best"
        if let a = args.keyword("metric") {
            let ms = try HistoryMetric.parse(a, command: "compare")
            guard ms.count <= 2 else {
                throw ShellError("compare draws one or two metrics per variant, such as metric=loss,val_loss", at: a.span)
            }
            if let v = ms.first(where: \.isValidation), let d = session.data, d.validation == nil {
                throw ShellError("\(v.name) needs validation data; load it with `data … validation=N`", at: a.span)
            }
            metrics = ms
        } else {
            metrics = nil
        }
        for v in variants { _ = try CompareCommand.variantChange(knob, v) }
    }

    /// One variant's change, validated.
    enum Change {
        case optimizer(any OptimizerRule, Float?, Clipping)
        case initializer(Initializer)
        case activation(Activation)
        case learningRate(Float)
        case batchnorm(Bool)
        case clipnorm(Float?)
    }

    static func variantChange(_ knob: String, _ a: Argument) throws -> Change {
        switch knob {
        case "optimizer":
            let o = try ValueParsing.optimizer(a)
            if o.schedule != nil { throw ShellError("compare takes a constant learning rate in each optimizer; compile the schedule and fit instead", at: a.span) }
            return .optimizer(o.rule, o.learningRate, o.clipping)
        case "kernel_initializer": return .initializer(try ValueParsing.initializer(a))
        case "activation": return .activation(try ValueParsing.activation(a))
        case "learning_rate": return .learningRate(try Arguments.float(a, name: "learning_rate", range: 1e-12...1e6))
        case "batchnorm": return .batchnorm(try Arguments.bool(a, name: "batchnorm"))
        default:
            if a.value.text == "none" { return .clipnorm(nil) }
            return .clipnorm(try Arguments.float(a, name: "clipnorm", range: 1e-12...1e12))
        }
    }

    /// Builds a fresh model: the base architecture with the changes, weights from `seed`.
    static func variant(of base: Sequential, changes: [Change], inputShape: [Int], seed: UInt64) throws -> Sequential {
        var arch = ModelStore.architecture(base)
        arch["input_shape"] = nil
        var layers = arch["layers"] as! [[String: Any]]
        let denseIdx = layers.indices.filter { ["Dense", "Residual"].contains(layers[$0]["class_name"] as? String) }
        let hidden = denseIdx.dropLast()
        var rule = base.optimizer!.rule, lr = base.optimizer!.learningRate, clip = base.optimizer!.clipping
        for c in changes {
            switch c {
            case .optimizer(let k, let l, let cl):
                rule = k; lr = l ?? k.defaultLearningRate
                if cl.isActive { clip = cl }
            case .initializer(let i):
                for j in hidden { var cfg = layers[j]["config"] as! [String: String]; cfg["kernel_initializer"] = i.name; layers[j]["config"] = cfg }
            case .activation(let a):
                for j in hidden { var cfg = layers[j]["config"] as! [String: String]; cfg["activation"] = a.name; layers[j]["config"] = cfg }
            case .learningRate(let l): lr = l
            case .batchnorm(let on):
                layers.removeAll { ($0["class_name"] as? String) == "BatchNormalization" }
                if on {
                    var out: [[String: Any]] = []
                    let lastDense = layers.lastIndex { ["Dense", "Residual"].contains($0["class_name"] as? String) }
                    for (j, l) in layers.enumerated() {
                        out.append(l)
                        if ["Dense", "Residual"].contains(l["class_name"] as? String), j != lastDense {
                            out.append(["class_name": "BatchNormalization", "name": "batch_normalization", "config": ["momentum": "0.99", "epsilon": "0.001"]])
                        }
                    }
                    layers = out
                }
            case .clipnorm(let v): clip = Clipping(clipNorm: v)
            }
        }
        arch["layers"] = layers
        arch["compile"] = nil
        let m = try ModelStore.fromArchitecture(arch)
        var rng = RandomGenerator(seed: seed)
        try m.build(inputShape: inputShape, rng: &rng)
        m.loss = base.loss
        m.optimizer = Optimizer(rule: rule, learningRate: lr, clipping: clip)
        return m
    }

    static func label(_ knob: String, _ a: Argument) -> String { "\(knob)=\(a.value.text)" }

    static let markers: [Character] = ["●", "○", "■", "□", "▲", "△", "◆", "◇", "★", "☆", "✚", "✖"]
    /// With two metrics a variant's pair of markers: filled for the first, hollow for the second.
    static let markerPairs: [(Character, Character)] = [
        ("●", "○"), ("■", "□"), ("▲", "△"), ("◆", "◇"), ("★", "☆"), ("▼", "▽"),
        ("A", "a"), ("B", "b"), ("C", "c"), ("D", "d"), ("E", "e"), ("F", "f"),
    ]

    /// The race's chart: each variant's `metrics` per epoch. One metric keeps
    /// one series per variant named by the variant; two give each variant one
    /// colour and a filled and a hollow marker (the second dashed in SVG when it
    /// is a validation curve).
    static func chart(_ runs: [(label: String, history: History)], metrics: [HistoryMetric]) -> LineChart {
        let names = metrics.map(\.name)
        var series: [LineChart.Series] = []
        for (r, run) in runs.enumerated() {
            for (k, m) in metrics.enumerated() {
                let values = run.history.epochs.map { $0.value(m.name) ?? .nan }
                if metrics.count == 1 {
                    series.append(.init(name: run.label, values: values, marker: markers[r % markers.count],
                                        dashed: m.isValidation))
                } else {
                    let pair = markerPairs[r % markerPairs.count]
                    series.append(.init(name: "\(run.label) \(m.name)", values: values,
                                        marker: k == 0 ? pair.0 : pair.1, axis: m.axis(among: metrics),
                                        dashed: m.isValidation, color: r))
                }
            }
        }
        var chart = LineChart(title: names.joined(separator: " and ") + " per epoch", xLabel: "epoch", series: series)
        chart.axisTitles = HistoryMetric.axisTitles(metrics)
        return chart
    }

    func run(_ session: Session) throws -> String {
        let base = try session.requireCompiled()
        let d = try session.requireData(for: base)
        let seed = session.seed &+ 1000
        var results: [(label: String, model: Sequential, seconds: Double)] = []
        for v in variants {
            let m: Sequential
            do { m = try CompareCommand.variant(of: base, changes: [try CompareCommand.variantChange(knob, v)], inputShape: d.sampleShape, seed: seed) }
            catch let e as ModelError { throw ShellError("variant \(CompareCommand.label(knob, v)): \(e.message)") }
            var rng = RandomGenerator(seed: seed &+ 1)
            let t0 = Date()
            let epochsBefore = m.history.epochs.count
            let stop = m.fit(train: d.train, validation: d.validation, options: FitOptions(epochs: epochs, batchSize: batchSize), rng: &rng,
                             shouldStop: session.interruptRequested)
            // Exploring trains too: it counts toward an exercise's epoch budget.
            session.exerciseTraining.record(m.history.epochs[epochsBefore...], data: session.dataRecipe)
            let label = CompareCommand.label(knob, v)
            if case .interrupted = stop { session.clearInterrupt(); session.emit("\(label): interrupted; keeping the finished variants"); break }
            results.append((label, m, Date().timeIntervalSince(t0)))
            let last = m.history.last
            session.emit("\(label): loss \(String(format: "%.4f", last?.loss ?? .nan))" + (last?.valAccuracy.map { String(format: " val_accuracy %.4f", $0) } ?? "") +
                         (stop == .finished ? "" : " (stopped: non-finite loss)"))
        }
        guard !results.isEmpty else { return "no variant finished" }
        var rows = [["variant", "final loss", "best val_accuracy", "epoch", "time"]]
        for r in results {
            let acc = r.model.history.series("val_accuracy")
            let best = acc.max()
            rows.append([r.label, String(format: "%.4f", r.model.history.last?.loss ?? .nan), best.map { String(format: "%.4f", $0) } ?? "—",
                         best.map { "\((acc.firstIndex(of: $0) ?? 0) + 1)" } ?? "—", String(format: "%.1fs", r.seconds)])
        }
        var lines = Table.render(rows, rightAligned: [1, 2, 3, 4])
        let fallback = d.validation != nil ? "val_loss" : "loss"
        let metrics = self.metrics ?? HistoryMetric.all.filter { $0.name == fallback }
        let chart = CompareCommand.chart(results.map { ($0.label, $0.model.history) }, metrics: metrics)
        lines += chart.render(width: min(session.width, 100))
        if let f = file {
            let p = try session.writablePath(f, defaultExtension: "svg")
            do { try atomicWrite(Data(chart.svg().utf8), to: p) } catch { throw ShellError("cannot write \(p): \(error.localizedDescription)") }
            lines.append("wrote \(p)")
        }
        if keepBest {
            let scored = results.map { ($0, $0.model.history.series("val_accuracy").max() ?? -($0.model.history.last?.loss ?? .infinity)) }
            if let best = scored.max(by: { $0.1 < $1.1 }) {
                let old = session.model
                session.model = best.0.model
                session.pushUndo("compare keep=best") { [unowned session] in session.model = old }
                lines.append("kept \(best.0.label) as the session's model")
            }
        }
        return lines.joined(separator: "\n")
    }
}
