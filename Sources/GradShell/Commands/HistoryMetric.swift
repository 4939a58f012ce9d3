import GradNN

/// A per-epoch series of the history that `plot` and `compare metric=` can
/// draw, by its Keras name, with the scale it shares with its kin (loss with
/// val_loss, accuracy with val_accuracy; the learning rate alone).
struct HistoryMetric: Equatable {
    /// The Keras name in `History.history` (`val_loss`).
    let name: String
    /// What the legend calls it (`validation loss`).
    let label: String
    /// Metrics of one scale share a y axis; a second scale goes on the right.
    let scale: String

    /// Validation curves are dashed in SVG, as the book draws val_loss (cell 64).
    var isValidation: Bool { name.hasPrefix("val_") }

    static let all = [
        HistoryMetric(name: "loss", label: "train loss", scale: "loss"),
        HistoryMetric(name: "val_loss", label: "validation loss", scale: "loss"),
        HistoryMetric(name: "accuracy", label: "train accuracy", scale: "accuracy"),
        HistoryMetric(name: "val_accuracy", label: "validation accuracy", scale: "accuracy"),
        HistoryMetric(name: "lr", label: "learning rate", scale: "lr"),
    ]
    static let names = all.map(\.name)
    /// Other spellings: Keras 3 logs the rate as `learning_rate`.
    static let aliases = ["learning_rate": "lr", "acc": "accuracy", "val_acc": "val_accuracy"]

    /// The metrics a word or comma list names (`lr,val_loss`), in order and
    /// without repeats; at most two scales, since a chart has a left and a right one.
    /// `also` names what else the command accepts there, for the error.
    static func parse(_ a: Argument, command: String, also: [String] = []) throws -> [HistoryMetric] {
        let items: [Value]
        if case .list(let vs) = a.value { items = vs } else { items = [a.value] }
        var out: [HistoryMetric] = []
        for v in items {
            let word: String
            switch v {
            case .word(let w), .string(let w): word = w.lowercased()
            case .number(_, let t): word = t
            default: word = v.text
            }
            guard let m = all.first(where: { $0.name == (aliases[word] ?? word) }) else {
                let near = Suggestions.closest(to: word, in: names).first.map { "; did you mean '\($0)'?" } ?? ""
                throw ShellError(
                    "'\(word)' is not a metric \(command) can draw\(near) (accepted: \((names + also).joined(separator: ", ")))",
                    at: a.span)
            }
            if out.contains(m) { throw ShellError("\(m.name) is named twice", at: a.span) }
            out.append(m)
        }
        let scales = scaleOrder(out)
        if scales.count > 2 {
            throw ShellError(
                "a chart has two y scales (left and right), but \(out.map(\.name).joined(separator: ",")) needs \(scales.count): "
                    + scales.joined(separator: ", "), at: a.span)
        }
        return out
    }

    /// The scales in the order their first metric is named: the first is the left one.
    static func scaleOrder(_ metrics: [HistoryMetric]) -> [String] {
        var seen: [String] = []
        for m in metrics where !seen.contains(m.scale) { seen.append(m.scale) }
        return seen
    }

    /// The names drawn against each scale, when `metrics` need two (`lr` | `val_loss`).
    static func axisTitles(_ metrics: [HistoryMetric]) -> (left: String, right: String)? {
        let side = { (axis: LineChart.Axis) in
            metrics.filter { $0.axis(among: metrics) == axis }.map(\.name).joined(separator: ", ")
        }
        return scaleOrder(metrics).count == 2 ? (side(.left), side(.right)) : nil
    }

    /// The axis this metric is drawn against, among `metrics`.
    func axis(among metrics: [HistoryMetric]) -> LineChart.Axis {
        HistoryMetric.scaleOrder(metrics).firstIndex(of: scale) == 1 ? .right : .left
    }
}
