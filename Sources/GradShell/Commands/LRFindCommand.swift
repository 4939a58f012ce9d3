import Foundation
import GradNN
import GradTensor

/// `lr_find`: the learning-rate range test on a copy of the model.
struct LRFindCommand: Command {
    static let spec = CommandSpec(
        name: "lr_find", summary: "learning-rate range test: loss vs an exponentially growing rate (model unchanged)",
        usage: "lr_find [start=1e-6] [end=10] [steps=300 | epochs=N] [batch_size=32] [smooth=true] [file=PATH.svg] [data=PATH.csv]",
        discussion: "Trains a copy of the model while the rate grows from start to end; stops once the smoothed loss exceeds 4× its best. Suggests the rate where the smoothed loss falls fastest on its way down to its minimum (never past the minimum), and shows a tenth of the minimum's rate beside it. Warns when the loss hardly falls or the model has already been trained. The model and optimizer are unchanged afterwards. "
            + "epochs=N is the book's find_learning_rate(model, X, y, epochs=N, batch_size): ceil(train samples / batch_size) × N steps over the training data, shuffled each epoch as fit shuffles it (partial last batch included), the rate starting at start (default 1e-4, the book's min_rate) and multiplied by (end / start)^(1/steps) after each batch, so step k uses start × factor^k and the last rate stays just below end (default 1, max_rate). "
            + "smooth=false plots each batch's own loss, as the book's ExponentialLearningRate records it, on a log-scale rate axis clipped at the first plus the lowest loss (plot_lr_vs_loss), and never stops early (only at a NaN or Inf loss); it then suggests a tenth of the rate where the loss is lowest: the book's advice is a rate about 10 times lower than where the loss starts to climb.",
        keys: [KeySpec("start", "first rate (default 1e-6; 1e-4 with epochs=)"),
               KeySpec("end", "last rate (default 10; 1 with epochs=)"),
               KeySpec("steps", "default 300"),
               KeySpec("epochs", "run ceil(samples / batch_size) × N steps instead of steps= (the book's find_learning_rate)"),
               KeySpec("batch_size", "default 32"),
               KeySpec("smooth", "false: raw per-batch losses, no early stop (default true)", .words(["true", "false"])),
               KeySpec("file", "also write the chart as SVG", .paths),
               KeySpec("data", "also write every step's rate and loss as CSV (step,learning_rate,loss; the raw batch loss, and the smoothed one with smooth=true), what the book's find_learning_rate returns", .paths)],
        examples: ["lr_find", "lr_find start=1e-5 end=1 steps=200", "lr_find epochs=1 batch_size=128 smooth=false"],
        category: "experiment")
    /// The first and last rates as typed (the book's rates are computed in double precision).
    let start: Double, end: Double
    /// Steps of the default form; nil with `epochs=`, whose steps depend on the data.
    let steps: Int?
    let epochs: Int?
    let batchSize: Int
    let smooth: Bool
    let file: String?
    let dataFile: String?

    /// At most this many steps with `epochs=` (the curve keeps two doubles per step).
    static let maxSteps = 1_000_000
    /// Fewer points than this make no curve.
    static let minSteps = 10

    init(_ args: inout Arguments, session: Session) throws {
        let epochsArg = args.keyword("epochs"), stepsArg = args.keyword("steps")
        if let e = epochsArg, stepsArg != nil {
            throw ShellError("give steps= or epochs=, not both (epochs= works out the steps from the data)", at: e.span)
        }
        epochs = try epochsArg.map { try Arguments.int($0, name: "epochs", range: 1...1000) }
        let steps = try stepsArg.map { try Arguments.int($0, name: "steps", range: LRFindCommand.minSteps...100_000) }
        self.steps = epochs != nil ? nil : steps ?? 300
        start = try LRFindCommand.rate(&args, "start", default: epochs != nil ? 1e-4 : 1e-6, range: 1e-12...1e3)
        end = try LRFindCommand.rate(&args, "end", default: epochs != nil ? 1 : 10, range: 1e-12...1e6)
        guard end > start else { throw ShellError("lr_find needs end > start") }
        batchSize = try args.int("batch_size", default: 32, range: 1...100_000)!
        smooth = try args.bool("smooth", default: true)
        file = try args.string("file")
        dataFile = try args.string("data")
    }

    /// A rate key as the double that was typed, checked as a float key is.
    static func rate(_ args: inout Arguments, _ key: String, default d: Double, range: ClosedRange<Double>) throws -> Double {
        guard let a = args.keyword(key) else { return d }
        _ = try Arguments.float(a, name: key, range: range)
        guard case .number(let v, _) = a.value else { return d }
        return v
    }

    /// The book's rates (`find_learning_rate`): `factor = (max_rate / min_rate) ** (1 / iterations)`,
    /// and step k trains at `min_rate * factor**k`, so the last of `iterations` rates is
    /// `max_rate / factor`, just below max_rate.
    static func bookRates(start: Double, end: Double, iterations: Int) -> (factor: Double, rates: [Double]) {
        let factor = pow(end / start, 1 / Double(iterations))
        return (factor, (0..<iterations).map { start * pow(factor, Double($0)) })
    }

    /// What a range test recorded, step by step.
    struct Curve {
        var rates: [Double] = []
        /// Each step's own loss (the book's batch loss).
        var raw: [Double] = []
        /// The debiased moving average of `raw` (β = 0.95) that the default form plots.
        var smoothed: [Double] = []
        /// The steps the test was to run.
        var planned = 0
        /// The step (from 1) whose loss was NaN or Inf, where the test stopped.
        var nonFiniteStep: Int? = nil
        /// The rate of that step.
        var nonFiniteRate: Double? = nil
    }

    /// The steps `epochs=` runs on `samples` training samples: Keras' batches
    /// per epoch, the last one partial, times the epochs.
    func epochSteps(samples: Int) -> Int {
        let bs = min(batchSize, samples)
        return (samples + bs - 1) / bs * (epochs ?? 1)
    }

    /// Trains `m` (a copy) through the range and records every step.
    ///
    /// The default form draws its batches from its own generator, reshuffling
    /// when a full batch no longer fits, and stops once the smoothed loss
    /// exceeds 4× its best (with `smooth=true`). `epochs=` walks the epochs as
    /// `fit` does, from a copy of the session's generator: the batches (and
    /// dropout masks) the next `fit` would draw first.
    func record(_ m: Sequential, optimizer opt: Optimizer, train: DataSplit, session: Session) -> Curve {
        let n = train.count, bs = min(batchSize, n)
        var c = Curve()
        let plannedRates: [Double]
        if epochs != nil {
            plannedRates = LRFindCommand.bookRates(start: start, end: end, iterations: epochSteps(samples: n)).rates
        } else {
            let steps = steps ?? 300
            let s0 = Float(start), s1 = Float(end)
            plannedRates = (0..<steps).map { Double(s0) * pow(Double(s1 / s0), Double($0) / Double(steps - 1)) }
        }
        c.planned = plannedRates.count
        var rng = epochs != nil ? session.rng : RandomGenerator(seed: session.seed &+ 3000)
        var order = Array(0..<n)
        if epochs == nil { rng.shuffle(&order) }
        let x = Tensor(zeros: [bs, train.featureCount])
        var y = [Float](repeating: 0, count: bs)
        let perEpoch = (n + bs - 1) / bs
        var average = 0.0, best = Double.infinity
        var pos = 0
        for (s, lr) in plannedRates.enumerated() {
            opt.learningRate = Float(lr)
            let lo: Int, hi: Int
            if epochs != nil {
                if s % perEpoch == 0 { rng.shuffle(&order) }
                lo = s % perEpoch * bs
                hi = min(n, lo + bs)
            } else {
                if pos + bs > n { rng.shuffle(&order); pos = 0 }
                lo = pos
                hi = pos + bs
                pos += bs
            }
            order.withUnsafeBufferPointer { idx in
                y.withUnsafeMutableBufferPointer {
                    train.gather(UnsafeBufferPointer(rebasing: idx[lo..<hi]), into: x, targets: $0.baseAddress!)
                }
            }
            let r = y.withUnsafeBufferPointer { m.trainStep(x, targets: $0.baseAddress!, rng: &rng) }
            guard r.loss.isFinite else {
                c.nonFiniteStep = s + 1
                c.nonFiniteRate = lr
                break
            }
            average = 0.95 * average + 0.05 * Double(r.loss)
            let debiased = average / (1 - pow(0.95, Double(s + 1)))
            c.rates.append(lr)
            c.raw.append(Double(r.loss))
            c.smoothed.append(debiased)
            best = min(best, debiased)
            if smooth && debiased > 4 * best && s > 10 { break }
            if session.interruptRequested() { session.clearInterrupt(); break }
        }
        return c
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
        let csvPath = try dataFile.map { try session.writablePath($0, defaultExtension: "csv") }
        if let c = csvPath, !c.lowercased().hasSuffix(".csv") { throw ShellError("data= writes CSV; give a .csv path, not \(c)") }
        if let epochs {
            let n = d.train.count, planned = epochSteps(samples: n)
            guard planned >= LRFindCommand.minSteps else {
                throw ShellError("epochs=\(epochs) makes only \(plural(planned, "step")) of batch_size=\(min(batchSize, n)) on \(n) training samples; lr_find needs at least \(LRFindCommand.minSteps): raise epochs= or lower batch_size=")
            }
            guard planned <= LRFindCommand.maxSteps else {
                throw ShellError("epochs=\(epochs) makes \(planned) steps of batch_size=\(min(batchSize, n)); lr_find runs at most \(LRFindCommand.maxSteps): lower epochs= or raise batch_size=")
            }
        }
        let m: Sequential
        do { m = try ModelStore.clone(base) } catch let e as ModelError { throw ShellError(e.message) }
        let opt = Optimizer(rule: base.optimizer!.rule, learningRate: Float(start), clipping: base.optimizer!.clipping)
        m.optimizer = opt
        let curve = record(m, optimizer: opt, train: d.train, session: session)
        let rates = curve.rates, losses = smooth ? curve.smoothed : curve.raw
        guard losses.count > 5 else { return "the loss diverged at once; try a smaller start=" }
        let sug = LRFindCommand.suggest(rates: rates, losses: losses)
        let minIdx = sug.minimumIndex
        let width = min(session.width, 80)
        let span = String(format: "(log scale, %.0e … %.0e)", rates.first!, rates.last!)
        var chart = LineChart(title: "smoothed loss vs learning rate " + span, xLabel: "",
                              series: [.init(name: "loss", values: losses, marker: "●")])
        if !smooth {
            // plot_lr_vs_loss: the batch losses, a line at the lowest, the y axis from 0 to first + lowest.
            let top = losses[0] + losses[minIdx]
            let lowest = LineChart.Series(name: "lowest", values: Array(repeating: losses[minIdx], count: losses.count), marker: "─")
            let batch = LineChart.Series(name: String(format: "loss per batch (clipped at %.4g)", top), values: losses, marker: "●")
            chart = LineChart(title: "loss per batch vs learning rate " + span, xLabel: "", series: [lowest, batch])
            chart.yRange = (0, top)
        }
        var lines = chart.render(width: width)
        // LineChart numbers its x axis by step; the steps are evenly spaced in
        // log(rate), so relabel that line with the rates.
        if lines.count >= 2 {
            lines[lines.count - 2] = LRFindCommand.rateAxis(rates: rates, plotWidth: max(10, width - 12), indent: 11) + "  lr"
        }
        if let epochs {
            let factor = LRFindCommand.bookRates(start: start, end: end, iterations: curve.planned).factor
            let n = d.train.count
            lines.append("\(plural(curve.planned, "step")): \(plural(epochs, "epoch")) of \(n) samples in batches of \(min(batchSize, n)),")
            lines.append(String(format: "  the rate × %.6f per batch from %.2e (the book's find_learning_rate)", factor, start))
        }
        if let step = curve.nonFiniteStep, let lr = curve.nonFiniteRate {
            lines.append(String(format: "the loss became NaN or Inf at lr %.2e (step %d of %d); the curve stops there", lr, step, curve.planned))
        }
        lines.append(String(format: "lowest %@ loss %.4f at lr %.2e (step %d of %d)", smooth ? "smoothed" : "batch",
                            losses[minIdx], rates[minIdx], minIdx + 1, losses.count))
        if !smooth {
            lines.append(String(format: "suggested learning_rate ≈ %.2e (a tenth of the lowest-loss rate: the book", rates[minIdx] / 10))
            lines.append("  picks a rate about 10 times lower than where the loss starts to climb)")
        } else if sug.steepestIndex != nil {
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
        let epochsTrained = base.history.epochs.count
        if epochsTrained > 0 || base.optimizer!.iterations > 0 {
            let what = epochsTrained > 0 ? plural(epochsTrained, "epoch") : plural(base.optimizer!.iterations, "step")
            lines.append("warning: this model has already trained \(what); the range test starts from")
            lines.append("  its current weights, so it is not a rate for training from scratch")
        }
        lines.append("the model and its optimizer are unchanged")
        if let p = csvPath {
            var csv = "step,learning_rate,loss" + (smooth ? ",smoothed_loss" : "") + "\n"
            for i in curve.raw.indices {
                csv += "\(i + 1),\(curve.rates[i]),\(curve.raw[i])" + (smooth ? ",\(curve.smoothed[i])" : "") + "\n"
            }
            do { try atomicWrite(Data(csv.utf8), to: p) } catch { throw ShellError("cannot write \(p)") }
            lines.append("wrote \(p) (\(plural(curve.raw.count, "step")): rates and losses, as find_learning_rate returns them)")
        }
        if let f = file {
            var svg = chart
            svg.title = "lr_find"
            svg.xLabel = String(format: "learning rate, log scale: %.0e … %.0e", rates.first!, rates.last!)
            let p = svgPath ?? f
            do { try atomicWrite(Data(svg.svg().utf8), to: p) } catch { throw ShellError("cannot write \(p)") }
            lines.append("wrote \(p)")
        }
        return lines.joined(separator: "\n")
    }
}
