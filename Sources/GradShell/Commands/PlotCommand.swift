import Foundation
import GradNN

/// `plot loss|accuracy|lr [file=PATH.svg]`: learning curves from the history.
struct PlotCommand: Command {
    static let spec = CommandSpec(
        name: "plot", summary: "learning curves (loss, accuracy, lr) in the terminal or as SVG",
        usage: "plot loss|accuracy|lr [file=PATH.svg]",
        keys: [KeySpec("file", "also write the chart as an SVG file", .paths)],
        positional: .words(["loss", "accuracy", "lr"]), examples: ["plot loss", "plot accuracy file=sessions/acc.svg"], category: "inspect")
    let what: String
    let file: String?

    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("plot what? loss, accuracy or lr") }
        what = try Arguments.choice(a, name: "plot", from: ["loss", "accuracy", "lr"])
        file = try args.string("file")
    }

    func run(_ session: Session) throws -> String {
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
        var lines = chart.render(width: min(session.width, 100))
        if let f = file {
            let path = try session.writablePath(f, defaultExtension: "svg")
            do { try atomicWrite(Data(chart.svg().utf8), to: path) } catch { throw ShellError("cannot write \(path): \(error.localizedDescription)") }
            lines.append("wrote \(path)")
        }
        return lines.joined(separator: "\n")
    }
}
