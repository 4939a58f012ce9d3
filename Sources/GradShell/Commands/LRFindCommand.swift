import Foundation
import GradNN
import GradTensor

/// `lr_find`: the learning-rate range test on a copy of the model.
struct LRFindCommand: Command {
    static let spec = CommandSpec(
        name: "lr_find", summary: "learning-rate range test: loss vs an exponentially growing rate (model unchanged)",
        usage: "lr_find [start=1e-6] [end=10] [steps=300] [batch_size=32] [file=PATH.svg]",
        discussion: "Trains a copy of the model while the rate grows from start to end; stops once the smoothed loss exceeds 4× its best. Suggests the rate where the smoothed loss fell fastest, divided by nothing (the steepest-descent rule). The model and optimizer are unchanged afterwards.",
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

    func run(_ session: Session) throws -> String {
        let base = try session.requireCompiled()
        let d = try session.requireData(for: base)
        let svgPath = try file.map { try session.writablePath($0, defaultExtension: "svg") }
        let m: Sequential
        do { m = try ModelStore.clone(base) } catch let e as ModelError { throw ShellError(e.message) }
        let opt = Optimizer(kind: base.optimizer!.kind, learningRate: start, clipping: base.optimizer!.clipping)
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
        var steepest = 1, slope = 0.0
        for i in max(1, losses.count / 20)..<losses.count where losses[i] < best * 4 {
            let dl = (losses[i] - losses[i - 1]) / (log10(rates[i]) - log10(rates[i - 1]))
            if dl < slope { slope = dl; steepest = i }
        }
        let minIdx = losses.firstIndex(of: losses.min()!)!
        var lines = LineChart(title: String(format: "smoothed loss vs learning rate (log scale, %.0e … %.0e)", rates.first!, rates.last!),
                              xLabel: "learning rate →", series: [.init(name: "loss", values: losses, marker: "●")]).render(width: min(session.width, 100))
        lines.append(String(format: "lowest loss %.4f at lr %.2e; steepest descent at lr %.2e", losses[minIdx], rates[minIdx], rates[steepest]))
        lines.append(String(format: "suggested learning_rate ≈ %.2e (steepest descent; a tenth of the lowest-loss rate is %.2e)", rates[steepest], rates[minIdx] / 10))
        lines.append("the model and its optimizer are unchanged")
        if let f = file {
            let chart = LineChart(title: "lr_find", xLabel: "learning rate (log)", series: [.init(name: "loss", values: losses, marker: "●")])
            let p = svgPath ?? f
            do { try atomicWrite(Data(chart.svg().utf8), to: p) } catch { throw ShellError("cannot write \(p)") }
            lines.append("wrote \(p)")
        }
        return lines.joined(separator: "\n")
    }
}
