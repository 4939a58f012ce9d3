import Foundation
import GradNN
import GradTensor

/// `plot loss|val_loss|accuracy|val_accuracy|lr[,…] [file=PATH.svg]`: learning
/// curves from the history, two scales at most (the book's `twinx()`, cell 88);
/// `plot activation NAME[,…]`: activation functions and their derivatives
/// (figures 11-1 to 11-4).
struct PlotCommand: Command {
    static let spec = CommandSpec(
        name: "plot",
        summary: "learning curves (loss, val_loss, accuracy, lr, …) or activations, in the terminal or as SVG",
        usage: "plot METRIC[,METRIC…] [file=PATH.svg] | plot activation NAME[,NAME…] [from=-5] [to=5] [file=PATH.svg]",
        discussion:
            "METRIC is loss, val_loss, accuracy, val_accuracy or lr. `plot loss` (or `plot accuracy`) draws the training curve and, when there is one, the validation curve; a list such as `plot loss,val_loss` draws exactly the series it names on one chart, and a list that mixes scales (`plot lr,val_loss`) puts the second scale on the right, as the book's twin axes do. In SVG, validation curves are dashed and every point carries its series' marker. `plot activation` draws the function and its derivative, as the chapter's figures 11-1 to 11-4 do (sigmoid saturating, leaky ReLU, ELU, SELU, GELU/Swish/Mish); a list such as `gelu,swish,swish(0.6),mish` draws the functions on one chart and their derivatives on a second. `swish(β)` (z·σ(βz), figure 11-4) is for plots only: Keras' silu has no β.",
        keys: [
            KeySpec("file", "also write the chart as an SVG file", .paths),
            KeySpec("from", "activation: left end of x (default -5)"),
            KeySpec("to", "activation: right end of x (default 5)"),
        ],
        positional: .words(HistoryMetric.names + ["activation"]),
        examples: [
            "plot loss", "plot accuracy file=sessions/acc.svg", "plot lr,val_loss", "plot activation elu",
            "plot activation gelu,swish,swish(0.6),mish from=-4 to=2",
        ], category: "inspect")
    /// What a `plot` line draws.
    enum Subject {
        /// History series; `withValidation`: a lone `loss`/`accuracy` brings its validation curve along.
        case history([HistoryMetric], withValidation: Bool)
        case activations([PlottedFunction])
    }
    let subject: Subject
    let file: String?
    let range: (Double, Double)

    static let metricMarkers: [Character] = ["●", "○", "■", "□", "▲"]
    /// A function's marker and its derivative's: filled and hollow of one shape.
    static let functionMarkers: [(Character, Character)] = [
        ("●", "○"), ("■", "□"), ("▲", "△"), ("◆", "◇"), ("★", "☆"), ("▼", "▽"),
    ]

    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else {
            throw ShellError(
                "plot what? " + HistoryMetric.names.joined(separator: ", ")
                    + " (or a list like lr,val_loss), or activation NAME")
        }
        if case .word(let w) = a.value, w.lowercased() == "activation" {
            guard let n = args.nextArgument() else {
                throw ShellError("plot activation needs a function: " + Activation.names.joined(separator: ", "))
            }
            let items: [Argument]
            if case .list(let vs) = n.value {
                items = vs.map { Argument(key: nil, value: $0, span: n.span) }
            } else {
                items = [n]
            }
            guard items.count <= PlotCommand.functionMarkers.count else {
                throw ShellError(
                    "plot activation draws at most \(PlotCommand.functionMarkers.count) functions at once", at: n.span)
            }
            subject = .activations(try items.map(PlottedFunction.parse))
            let lo = try args.float("from", default: -5, range: -1e4...1e4)!
            let hi = try args.float("to", default: 5, range: -1e4...1e4)!
            guard lo < hi else { throw ShellError("plot activation needs from < to") }
            range = (Double(lo), Double(hi))
        } else {
            let metrics = try HistoryMetric.parse(a, command: "plot", also: ["activation NAME"])
            var single = false
            if case .list = a.value {} else { single = ["loss", "accuracy"].contains(metrics[0].name) }
            subject = .history(metrics, withValidation: single)
            range = (0, 0)
        }
        file = try args.string("file")
    }

    /// f and f′ at `count` points across `range`, through the same code training runs.
    static func curve(_ f: Activation, _ range: (Double, Double), count: Int = 101) -> (
        x: [Double], y: [Double], dy: [Double]
    ) {
        let xs = (0..<count).map { range.0 + (range.1 - range.0) * Double($0) / Double(count - 1) }
        let x = Tensor(shape: [1, count], values: xs.map { Float($0) })
        let y = x.copy()
        f.apply(y.data, rows: 1, cols: count)
        let g = Tensor(repeating: 1, shape: [1, count])
        f.backward(input: UnsafePointer(x.data), output: UnsafePointer(y.data), gradient: g.data, rows: 1, cols: count)
        return (xs, y.array.map(Double.init), g.array.map(Double.init))
    }

    /// One chart with f and f′ for one function; for several, the functions
    /// on one chart and the derivatives on a second, each keeping its shape.
    static func activationCharts(_ fs: [PlottedFunction], range: (Double, Double)) -> [LineChart] {
        let curves = fs.map { $0.curve(range) }
        var charts: [LineChart]
        if fs.count == 1 {
            charts = [
                LineChart(
                    title: "\(fs[0].name)(x) and its derivative", xLabel: "x",
                    series: [
                        .init(name: fs[0].name, values: curves[0].y, marker: "●"),
                        .init(name: "derivative", values: curves[0].dy, marker: "○", dashed: true),
                    ])
            ]
        } else {
            let names = fs.map(\.name).joined(separator: ", ")
            charts = [
                LineChart(
                    title: "f(x): \(names)", xLabel: "x",
                    series: fs.indices.map {
                        .init(name: fs[$0].name, values: curves[$0].y, marker: functionMarkers[$0].0, color: $0)
                    }),
                LineChart(
                    title: "f′(x): their derivatives", xLabel: "x",
                    series: fs.indices.map {
                        .init(
                            name: fs[$0].name + "′", values: curves[$0].dy, marker: functionMarkers[$0].1,
                            dashed: true, color: $0)
                    }),
            ]
        }
        for i in charts.indices { charts[i].xRange = range }
        return charts
    }

    /// The chart of history series: NaN where an epoch lacks a value, so that
    /// every series keeps its epochs' places.
    static func historyChart(_ h: History, metrics: [HistoryMetric], title: String) -> LineChart {
        var chart = LineChart(
            title: title, xLabel: "epoch",
            series: metrics.enumerated().map { i, m in
                .init(
                    name: m.label, values: h.epochs.map { $0.value(m.name) ?? .nan },
                    marker: metricMarkers[i % metricMarkers.count],
                    axis: m.axis(among: metrics), dashed: m.isValidation)
            })
        chart.axisTitles = HistoryMetric.axisTitles(metrics)
        return chart
    }

    func run(_ session: Session) throws -> String {
        switch subject {
        case .activations(let fs): return try draw(PlotCommand.activationCharts(fs, range: range), session)
        case .history(var metrics, let withValidation):
            let m = try session.requireModel()
            let h = m.history
            guard !h.epochs.isEmpty else { return "no history yet; train with `fit`" }
            let title: String
            if withValidation {
                title = "\(metrics[0].name) per epoch"
                if let v = HistoryMetric.all.first(where: { $0.name == "val_" + metrics[0].name }),
                    h.epochs.contains(where: { $0.value(v.name) != nil })
                {
                    metrics.append(v)
                }
            } else if metrics.map(\.name) == ["lr"] {
                title = "learning rate per epoch"
            } else {
                let names = metrics.map(\.name)
                title =
                    (names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names.last!)
                    + " per epoch"
            }
            for x in metrics where !h.epochs.contains(where: { $0.value(x.name) != nil }) {
                throw ShellError(
                    "the history has no \(x.name): train with validation data (`data … validation=N` or `fit validation_split=0.1`)"
                )
            }
            return try draw([PlotCommand.historyChart(h, metrics: metrics, title: title)], session)
        }
    }

    func draw(_ charts: [LineChart], _ session: Session) throws -> String {
        var lines = charts.flatMap { $0.render(width: min(session.width, 100)) }
        if let f = file {
            let path = try session.writablePath(f, defaultExtension: "svg")
            do { try atomicWrite(Data(LineChart.svgDocument(charts).utf8), to: path) } catch {
                throw ShellError("cannot write \(path): \(error.localizedDescription)")
            }
            lines.append("wrote \(path)")
        }
        return lines.joined(separator: "\n")
    }
}
