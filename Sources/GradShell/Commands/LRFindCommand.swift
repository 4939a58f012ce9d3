import Foundation
import GradNN
import GradTensor

/// `lr_find`: the learning-rate range test on a copy of the model.
struct LRFindCommand: Command {
    static let spec = CommandSpec(
        name: "lr_find", summary: "learning-rate range test: loss vs an exponentially growing rate (model unchanged)",
        usage: "lr_find [start=1e-6] [end=10] [steps=300] [batch_size=32] [file=PATH.svg]",
        discussion: "Trains a copy of the model while the rate grows from start to end; stops once the smoothed loss exceeds 4× its best. Suggests the rate where the smoothed loss falls fastest on its way down to its minimum (never past the minimum), and shows a tenth of the minimum's rate beside it. Warns when the loss hardly falls or the model has already been trained. The model and optimizer are unchanged afterwards.",
        keys: [KeySpec("start", "first rate (default 1e-6)"), KeySpec("end", "last rate (default 10)"), KeySpec("steps", "default 300"),
               KeySpec("batch_size", "default 32"), KeySpec("file", "also write the chart as SVG", .paths)],
        examples: ["lr_find", "lr_find start=1e-5 end=1 steps=200"], category: "experiment")
    let start: Float, end: Float, steps: Int, batchSize: Int, file: String?

    init(_ args: inout Arguments, session: Session) throws {
        start = try args.float("start", default: 1e-6, range: 1e-12...1e3)!
        end = try args.float("end", default: 10, range: 1e-12...1e6)!
        guard end > start else { throw ShellError("lr_find needs end > start") }
        steps = try args.int("steps", default: 300, range: 10...100_000)!
        batchSize = try args.int("batch_size", default: 32, range: 1...100_000)!
        file = try args.string("file")
    }

    /// What the range test suggests from a recorded curve.
    struct Suggestion: Equatable {
        /// Index of the smoothed loss's minimum.
        var minimumIndex: Int
        /// Index of the steepest descent between the start and the minimum;
        /// nil when the loss never falls there.
        var steepestIndex: Int?
        /// The suggested rate: the steepest descent's, else the minimum's / 10.
        var rate: Double
        /// The loss falls by less than `flatDrop` of its starting value before its minimum.
        var isFlat: Bool
        /// The minimum comes within the first tenth of the curve: the range starts too high.
        var divergesEarly: Bool
    }

    /// A curve whose loss falls by less than this fraction of its first value is flat.
    static let flatDrop = 0.1

    /// The suggestion, from the rates and smoothed losses of a range test.
    ///
    /// The rule (fastai's `steep`, restricted to the descent): the rate at
    /// which the smoothed loss falls fastest per decade of learning rate,
    /// searched only between the start and the smoothed loss's minimum —
    /// past the minimum the loss is already rising, and a "steep" stretch
    /// there is noise or the model blowing up and recovering. The first tenth
    /// of the curve is skipped when the minimum lies beyond it (fastai skips
    /// `num_it // 10` too: the debiased average is noisy at first). When the
    /// loss never falls before its minimum, or falls by less than a tenth
    /// (a flat curve), the suggestion is fastai's `minimum` rule instead:
    /// the minimum's rate / 10.
    static func suggest(rates: [Double], losses: [Double]) -> Suggestion {
        precondition(rates.count == losses.count && !losses.isEmpty)
        var minIdx = 0
        for i in losses.indices where losses[i] < losses[minIdx] { minIdx = i }
        let first = losses[0], drop = first - losses[minIdx]
        let isFlat = drop <= flatDrop * abs(first)
        let tenth = losses.count / 10
        let divergesEarly = minIdx <= max(1, tenth)
        let from = minIdx > tenth + 1 ? max(1, tenth) : 1
        var steepest: Int? = nil, slope = 0.0
        if minIdx >= 1 {
            for i in from...minIdx {
                let dx = log10(rates[i]) - log10(rates[i - 1])
                guard dx > 0 else { continue }
                let s = (losses[i] - losses[i - 1]) / dx
                if s < slope { slope = s; steepest = i }
            }
        }
        if isFlat { steepest = nil }
        let rate = steepest.map { rates[$0] } ?? rates[minIdx] / 10
        return Suggestion(minimumIndex: minIdx, steepestIndex: steepest, rate: rate, isFlat: isFlat, divergesEarly: divergesEarly)
    }

    /// An x axis for `LineChart.render`'s plot area of `plotWidth` columns
    /// starting at column `indent`, labelled with learning rates: the points
    /// are evenly spaced in log(rate), so the ticks are decades.
    static func rateAxis(rates: [Double], plotWidth: Int, indent: Int) -> String {
        guard let lo = rates.first, let hi = rates.last, hi > lo else { return "" }
        let a = log10(lo), b = log10(hi)
        var chars = [Character](repeating: " ", count: indent + plotWidth + 8)
        var lastEnd = -1
        func place(_ text: String, at col: Int) {
            let s = max(col - text.count / 2, lastEnd + 2, 0)
            guard s + text.count <= chars.count else { return }
            for (k, c) in text.enumerated() { chars[s + k] = c }
            lastEnd = s + text.count - 1
        }
        func column(_ x: Double) -> Int { indent + Int(((x - a) / (b - a) * Double(plotWidth - 1)).rounded()) }
        func label(_ x: Double) -> String {
            let e = Int(x.rounded())
            return abs(x - Double(e)) < 1e-9 ? (e == 0 ? "1" : e == 1 ? "10" : "1e\(e)") : String(format: "%.0e", pow(10, x))
        }
        let lowE = Int(ceil(a - 1e-9)), highE = Int(floor(b + 1e-9))
        let decades = lowE...max(lowE, highE)
        let step = max(1, Int((Double(decades.count) / Double(max(1, plotWidth / 7))).rounded(.up)))
        if highE - lowE < 1 {
            // Less than a decade or two: label the two ends instead.
            place(String(format: "%.1e", lo), at: indent)
            place(String(format: "%.1e", hi), at: column(b) - 3)
        } else {
            for e in decades where (e - decades.lowerBound) % step == 0 { place(label(Double(e)), at: column(Double(e))) }
        }
        return String(chars).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }

    func run(_ session: Session) throws -> String {
        let base = try session.requireCompiled()
        let d = try session.requireData(for: base)
        let svgPath = try file.map { try session.writablePath($0, defaultExtension: "svg") }
        let m: Sequential
        do { m = try ModelStore.clone(base) } catch let e as ModelError { throw ShellError(e.message) }
        let opt = Optimizer(rule: base.optimizer!.rule, learningRate: start, clipping: base.optimizer!.clipping)
        m.optimizer = opt
        var rng = RandomGenerator(seed: session.seed &+ 3000)
        let n = d.train.count, bs = min(batchSize, n)
        var order = Array(0..<n)
        rng.shuffle(&order)
        let x = Tensor(zeros: [bs, d.train.featureCount])
        var y = [Float](repeating: 0, count: bs)
        var rates: [Double] = [], losses: [Double] = []
        var smooth = 0.0, best = Double.infinity
        var pos = 0
        for s in 0..<steps {
            let lr = Double(start) * pow(Double(end / start), Double(s) / Double(steps - 1))
            opt.learningRate = Float(lr)
            if pos + bs > n { rng.shuffle(&order); pos = 0 }
            order.withUnsafeBufferPointer { idx in y.withUnsafeMutableBufferPointer { d.train.gather(UnsafeBufferPointer(rebasing: idx[pos..<(pos + bs)]), into: x, targets: $0.baseAddress!) } }
            pos += bs
            let r = y.withUnsafeBufferPointer { m.trainStep(x, targets: $0.baseAddress!, rng: &rng) }
            guard r.loss.isFinite else { break }
            smooth = 0.95 * smooth + 0.05 * Double(r.loss)
            let debiased = smooth / (1 - pow(0.95, Double(s + 1)))
            rates.append(lr); losses.append(debiased)
            best = min(best, debiased)
            if debiased > 4 * best && s > 10 { break }
            if session.interruptRequested() { session.clearInterrupt(); break }
        }
        guard losses.count > 5 else { return "the loss diverged at once; try a smaller start=" }
        let sug = LRFindCommand.suggest(rates: rates, losses: losses)
        let minIdx = sug.minimumIndex
        let width = min(session.width, 80)
        var lines = LineChart(title: String(format: "smoothed loss vs learning rate (log scale, %.0e … %.0e)", rates.first!, rates.last!),
                              xLabel: "", series: [.init(name: "loss", values: losses, marker: "●")]).render(width: width)
        // LineChart numbers its x axis by step; the steps are evenly spaced in
        // log(rate), so relabel that line with the rates.
        if lines.count >= 2 {
            lines[lines.count - 2] = LRFindCommand.rateAxis(rates: rates, plotWidth: max(10, width - 12), indent: 11) + "  lr"
        }
        lines.append(String(format: "lowest smoothed loss %.4f at lr %.2e (step %d of %d)", losses[minIdx], rates[minIdx], minIdx + 1, losses.count))
        if sug.steepestIndex != nil {
            lines.append(String(format: "suggested learning_rate ≈ %.2e (steepest descent before the minimum)", sug.rate))
            lines.append(String(format: "  a tenth of the lowest-loss rate, the cautious choice: %.2e", rates[minIdx] / 10))
        } else {
            lines.append(String(format: "suggested learning_rate ≈ %.2e (a tenth of the lowest-loss rate)", sug.rate))
        }
        if sug.isFlat {
            lines.append(String(format: "warning: the loss hardly falls (%.4f at the lowest rate, %.4f at best),", losses[0], losses[minIdx]))
            lines.append("  so the suggestion means little: the model may already be trained,")
            lines.append("  or start= is too high")
        } else if sug.divergesEarly {
            lines.append("warning: the loss is lowest near the start of the range; try a smaller start=")
        }
        let epochs = base.history.epochs.count
        if epochs > 0 || base.optimizer!.iterations > 0 {
            let what = epochs > 0 ? plural(epochs, "epoch") : plural(base.optimizer!.iterations, "step")
            lines.append("warning: this model has already trained \(what); the range test starts from")
            lines.append("  its current weights, so it is not a rate for training from scratch")
        }
        lines.append("the model and its optimizer are unchanged")
        if let f = file {
            let chart = LineChart(title: "lr_find", xLabel: String(format: "learning rate, log scale: %.0e … %.0e", rates.first!, rates.last!),
                                  series: [.init(name: "loss", values: losses, marker: "●")])
            let p = svgPath ?? f
            do { try atomicWrite(Data(chart.svg().utf8), to: p) } catch { throw ShellError("cannot write \(p)") }
            lines.append("wrote \(p)")
        }
        return lines.joined(separator: "\n")
    }
}
