import Foundation
import GradNN
import GradTensor

/// `plot loss|accuracy|lr [file=PATH.svg]`: learning curves from the history;
/// `plot activation NAME`: an activation function and its derivative (figures 11-1 to 11-4).
struct PlotCommand: Command {
    static let spec = CommandSpec(
        name: "plot", summary: "learning curves (loss, accuracy, lr) in the terminal or as SVG",
        usage: "plot loss|accuracy|lr [file=PATH.svg] | plot activation NAME [from=-5] [to=5] [file=PATH.svg]",
        discussion: "`plot activation` draws the function and its derivative, as the chapter's figures 11-1 to 11-4 do (sigmoid saturating, leaky ReLU, ELU, SELU, GELU/Swish/Mish).",
        keys: [KeySpec("file", "also write the chart as an SVG file", .paths),
               KeySpec("from", "activation: left end of x (default -5)"), KeySpec("to", "activation: right end of x (default 5)")],
        positional: .words(["loss", "accuracy", "lr", "activation"]),
        examples: ["plot loss", "plot accuracy file=sessions/acc.svg", "plot activation elu", "plot activation gelu from=-4 to=2"], category: "inspect")
    let what: String
    let file: String?
    let activation: Activation?
    let range: (Double, Double)

    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("plot what? loss, accuracy, lr or activation NAME") }
        what = try Arguments.choice(a, name: "plot", from: ["loss", "accuracy", "lr", "activation"])
        if what == "activation" {
            guard let n = args.nextArgument() else { throw ShellError("plot activation needs a function: " + Activation.names.joined(separator: ", ")) }
            let f = try ValueParsing.activation(n)
            guard f.isElementwise else { throw ShellError("softmax works on whole rows, so it has no curve of one variable", at: n.span) }
            activation = f
            let lo = try args.float("from", default: -5, range: -1e4...1e4)!, hi = try args.float("to", default: 5, range: -1e4...1e4)!
            guard lo < hi else { throw ShellError("plot activation needs from < to") }
            range = (Double(lo), Double(hi))
        } else {
            activation = nil
            range = (0, 0)
        }
        file = try args.string("file")
    }

    /// f and f′ at `count` points across `range`, through the same code training runs.
    static func curve(_ f: Activation, _ range: (Double, Double), count: Int = 101) -> (x: [Double], y: [Double], dy: [Double]) {
        let xs = (0..<count).map { range.0 + (range.1 - range.0) * Double($0) / Double(count - 1) }
        let x = Tensor(shape: [1, count], values: xs.map { Float($0) })
        let y = x.copy()
        f.apply(y.data, rows: 1, cols: count)
        let g = Tensor(repeating: 1, shape: [1, count])
        f.backward(input: UnsafePointer(x.data), output: UnsafePointer(y.data), gradient: g.data, rows: 1, cols: count)
        return (xs, y.array.map(Double.init), g.array.map(Double.init))
    }

    func run(_ session: Session) throws -> String {
        if let f = activation {
            let c = PlotCommand.curve(f, range)
            var chart = LineChart(title: "\(f.name)(x) and its derivative", xLabel: "x",
                                  series: [.init(name: f.name, values: c.y, marker: "●"), .init(name: "derivative", values: c.dy, marker: "○")])
            chart.xRange = range
            return try draw(chart, session)
        }
        let m = try session.requireModel()
        let h = m.history
        guard !h.epochs.isEmpty else { return "no history yet; train with `fit`" }
        var series: [LineChart.Series] = []
        switch what {
        case "lr": series = [.init(name: "learning rate", values: h.series("lr"), marker: "●")]
        default:
            series = [.init(name: "train \(what)", values: h.series(what), marker: "●")]
            let v = h.series("val_" + what)
            if !v.isEmpty { series.append(.init(name: "validation \(what)", values: v, marker: "○")) }
        }
        let chart = LineChart(title: what == "lr" ? "learning rate per epoch" : "\(what) per epoch", xLabel: "epoch", series: series)
        return try draw(chart, session)
    }

    func draw(_ chart: LineChart, _ session: Session) throws -> String {
        var lines = chart.render(width: min(session.width, 100))
        if let f = file {
            let path = try session.writablePath(f, defaultExtension: "svg")
            do { try atomicWrite(Data(chart.svg().utf8), to: path) } catch { throw ShellError("cannot write \(path): \(error.localizedDescription)") }
            lines.append("wrote \(path)")
        }
        return lines.joined(separator: "\n")
    }
}
