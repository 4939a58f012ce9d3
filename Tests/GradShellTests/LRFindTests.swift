import Foundation
import GradNN
@testable import GradShell
import XCTest

/// `lr_find`'s suggestion on synthetic curves whose answer is known, and the
/// command's axis and warnings on a real model.
final class LRFindTests: XCTestCase {
    /// `count` rates from 10^a to 10^b, evenly spaced in log10.
    func logspace(_ a: Double, _ b: Double, _ count: Int) -> [Double] {
        (0..<count).map { pow(10, a + (b - a) * Double($0) / Double(count - 1)) }
    }

    func testUShapedCurveSuggestsItsSteepestDescentNotTheDropPastTheMinimum() {
        let rates = logspace(-6, 1, 141)  // 0.05 decade apart
        // Falls fastest at x = log10(lr) = −2 (slope −2 per decade), bottoms
        // out near x = −0.5, rises; then a sharper fall (−10 per decade) at
        // x ∈ (0.5, 0.6], still above the minimum: not to be suggested.
        let losses = rates.map { r -> Double in
            let x = log10(r)
            var l = 1.3 - tanh(2 * (x + 2))
            if x > -0.5 { l += 3 * (x + 0.5) * (x + 0.5) }
            if x > 0.5 + 1e-9 { l -= min(1, (x - 0.5) * 10) }
            return l
        }
        let s = LRFindCommand.suggest(rates: rates, losses: losses)
        XCTAssertEqual(log10(s.rate), -2, accuracy: 0.051)
        XCTAssertEqual(log10(rates[s.minimumIndex]), -0.5, accuracy: 0.051)
        XCTAssertFalse(s.isFlat)
        XCTAssertFalse(s.divergesEarly)
        // The rule it replaces (steepest over the whole curve) picks the late drop.
        var whole = 1
        for i in 1..<rates.count where losses[i] - losses[i - 1] < losses[whole] - losses[whole - 1] { whole = i }
        XCTAssertGreaterThan(log10(rates[whole]), 0.5)
    }

    func testCurveThatDivergesEarlySuggestsFromItsShortDescent() {
        let rates = logspace(-3, 1, 100)
        var losses = [2.0, 1.9, 1.75, 1.3, 1.2]  // steepest fall into index 3
        for k in 1...95 { losses.append(1.2 * pow(1.1, Double(k))) }
        let s = LRFindCommand.suggest(rates: rates, losses: losses)
        XCTAssertEqual(s.minimumIndex, 4)
        XCTAssertEqual(s.steepestIndex, 3)
        XCTAssertEqual(s.rate, rates[3])
        XCTAssertTrue(s.divergesEarly)
    }

    func testCurveRisingFromTheStartSuggestsATenthOfTheFirstRate() {
        let rates = logspace(-2, 1, 50)
        let losses = (0..<50).map { 1 + 0.1 * Double($0) }
        let s = LRFindCommand.suggest(rates: rates, losses: losses)
        XCTAssertEqual(s.minimumIndex, 0)
        XCTAssertNil(s.steepestIndex)
        XCTAssertEqual(s.rate, rates[0] / 10)
        XCTAssertTrue(s.divergesEarly)
    }

    func testFlatCurveIsFlaggedAndFallsBackToTheMinimumRule() {
        let rates = logspace(-6, 1, 100)
        var losses = (0..<80).map { 0.05 + 0.001 * sin(Double($0)) }
        for k in 1...20 { losses.append(0.05 * pow(1.2, Double(k))) }
        let s = LRFindCommand.suggest(rates: rates, losses: losses)
        XCTAssertTrue(s.isFlat)
        XCTAssertNil(s.steepestIndex)
        let minIdx = losses.indices.min { losses[$0] < losses[$1] }!
        XCTAssertEqual(s.minimumIndex, minIdx)
        XCTAssertEqual(s.rate, rates[minIdx] / 10)
    }

    func testRateAxisPutsDecadesWhereTheirStepsArePlotted() {
        let rates = logspace(-6, 1, 300)
        let axis = LRFindCommand.rateAxis(rates: rates, plotWidth: 68, indent: 11)
        // 1e-3 is at 3/7 of the way: column 11 + round(3/7 × 67) = 40, its label centred there.
        let r = axis.range(of: "1e-3")!
        let start = axis.distance(from: axis.startIndex, to: r.lowerBound)
        XCTAssertEqual(start + 2, 11 + Int((3.0 / 7 * 67).rounded()), axis)
        XCTAssertTrue(axis.contains("1e-6") && axis.contains(" 10"), axis)
        // Within one decade there is no decade tick: the ends are labelled.
        let narrow = LRFindCommand.rateAxis(rates: logspace(log10(2e-5), log10(8e-5), 50), plotWidth: 68, indent: 11)
        XCTAssertTrue(narrow.contains("2.0e-05") && narrow.contains("8.0e-05"), narrow)
        XCTAssertLessThanOrEqual(narrow.count, 80)
    }

    func session(_ lines: [String]) -> Session {
        let s = Session(seed: 7, sessionsDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("gl-\(UUID())").path)
        for l in lines {
            let c = s.run(l)
            XCTAssertFalse(c.failed, "\(l): \(c.output)")
        }
        return s
    }

    func testCommandLabelsRatesSuggestsBeforeTheMinimumAndWarnsWhenTrained() throws {
        let s = session(["data moons n=200", "model new", "add dense 16 activation=relu", "add dense 2 activation=softmax",
                         "compile optimizer=sgd metrics=accuracy"])
        let out = s.run("lr_find steps=120").output
        let axis = try XCTUnwrap(out.split(separator: "\n").first { $0.hasSuffix("  lr") }, out)
        XCTAssertTrue(axis.contains("1e-6") && axis.contains("1e-3"), out)
        XCTAssertTrue(out.contains("the model and its optimizer are unchanged"), out)
        XCTAssertFalse(out.contains("already trained"), out)
        for l in out.split(separator: "\n") { XCTAssertLessThanOrEqual(l.count, 80, "too wide: \(l)") }
        // "lowest smoothed loss L at lr R (step …)" and "suggested learning_rate ≈ S (…)"
        let lowestLine = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("lowest smoothed loss") }, out).split(separator: " ")
        let lowest = try XCTUnwrap(Double(lowestLine[lowestLine.firstIndex(of: "lr")! + 1]), out)
        let suggestedLine = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("suggested learning_rate ≈") }, out).split(separator: " ")
        let suggested = try XCTUnwrap(Double(suggestedLine[3]), out)
        XCTAssertLessThanOrEqual(suggested, lowest, "never past the minimum")

        XCTAssertFalse(s.run("fit epochs=2").failed)
        let trained = s.run("lr_find steps=60").output
        XCTAssertTrue(trained.contains("already trained 2 epochs"), trained)
    }

    // MARK: epochs= and smooth=false (the book's find_learning_rate)

    func testBookRatesStartAtMinRateGrowByTheFactorAndStopBelowMaxRate() {
        // Cell 93: 55,000 images in batches of 128 is ceil(55000/128) = 430 steps, and
        // factor = (1 / 1e-4) ** (1 / 430) = 1.021650438125091 (worked out in Python).
        let (factor, rates) = LRFindCommand.bookRates(start: 1e-4, end: 1, iterations: 430)
        XCTAssertEqual(rates.count, 430)
        XCTAssertEqual(factor, 1.021650438125091, accuracy: 1e-15)
        XCTAssertEqual(rates[0], 1e-4, "step 0 trains at min_rate itself")
        XCTAssertEqual(rates[1], 1.021650438125091e-4, accuracy: 1e-18)
        for k in [2, 100, 215, 429] { XCTAssertEqual(rates[k], 1e-4 * pow(factor, Double(k)), accuracy: rates[k] * 1e-12, "step \(k)") }
        for k in 1..<rates.count { XCTAssertEqual(rates[k] / rates[k - 1], factor, accuracy: 1e-12) }
        // The last rate is max_rate / factor = 10^(-4/430) = 0.9788083699501017, below max_rate.
        XCTAssertEqual(rates[429], 0.9788083699501017, accuracy: 1e-12)
        XCTAssertLessThan(rates.last!, 1)
        XCTAssertEqual(rates.last! * factor, 1, accuracy: 1e-12, "one more step would reach max_rate")
    }

    /// Records fit's per-batch losses (the book's ExponentialLearningRate, without changing the rate).
    final class BatchLosses: Callback {
        var losses: [Double] = []
        var sizes: [Int] = []
        func batchEnd(_ logs: BatchLogs, model: Sequential) -> String? {
            losses.append(logs.batchLoss)
            return nil
        }
        func epochEnd(_ logs: EpochLogs, model: Sequential) -> String? { nil }
    }

    func bookSession() -> Session {
        session(["data moons n=250 validation=50", "model new", "add dense 16 activation=relu", "add dropout 0.2",
                 "add dense 2 activation=softmax", "compile optimizer=sgd metrics=accuracy"])
    }

    func command(_ line: String, _ s: Session) throws -> LRFindCommand {
        let parsed = try XCTUnwrap(Parser.parse(line))
        var args = try Arguments(parsed, keys: LRFindCommand.spec.keys.map(\.name))
        let c = try LRFindCommand(&args, session: s)
        try args.finish()
        return c
    }

    func testEpochsRunsCeilSamplesOverBatchSizeRawBatchLossesInFitsBatchOrder() throws {
        let s = bookSession()
        let n = s.data!.train.count
        XCTAssertEqual(n, 200)
        let c = try command("lr_find epochs=2 batch_size=32 smooth=false", s)
        XCTAssertEqual(c.start, 1e-4, "the book's min_rate")
        XCTAssertEqual(c.end, 1, "the book's max_rate")
        XCTAssertEqual(c.epochSteps(samples: n), 14, "ceil(200 / 32) × 2, the last batch of each epoch partial")
        let clone = try ModelStore.clone(s.model!)
        let opt = Optimizer(rule: s.model!.optimizer!.rule, learningRate: Float(c.start), clipping: s.model!.optimizer!.clipping)
        clone.optimizer = opt
        let rngBefore = s.rng
        let curve = c.record(clone, optimizer: opt, train: s.data!.train, session: s)
        XCTAssertEqual(curve.planned, 14)
        XCTAssertEqual(curve.raw.count, 14)
        XCTAssertEqual(curve.rates, LRFindCommand.bookRates(start: 1e-4, end: 1, iterations: 14).rates)
        XCTAssertNil(curve.nonFiniteStep)

        // The same epoch through fit, at a constant min_rate, from the same generator: the first
        // batch (same samples, same dropout mask) has the same loss, before any update differs.
        var rng = rngBefore
        let twin = try ModelStore.clone(s.model!)
        twin.optimizer = Optimizer(rule: s.model!.optimizer!.rule, learningRate: Float(c.start), clipping: s.model!.optimizer!.clipping)
        let cb = BatchLosses()
        _ = twin.fit(train: s.data!.train, validation: nil, options: FitOptions(epochs: 2, batchSize: 32, callbacks: [cb]), rng: &rng)
        XCTAssertEqual(cb.losses.count, 14, "fit runs as many batches")
        XCTAssertEqual(curve.raw[0], cb.losses[0], "raw, not smoothed: the first batch's own loss")
        // Later batches see other weights (the rate grew), but every raw value is a batch loss, not an average.
        XCTAssertNotEqual(curve.raw, curve.smoothed)
        var a = s.rng, b = rngBefore
        XCTAssertEqual(a.next(), b.next(), "the session's generator is not advanced")
    }

    func testSmoothFalseNeverStopsEarlyWhereTheSmoothedTestStops() throws {
        let s = session(["data moons n=400", "model new", "add dense 16 activation=relu", "add dense 2 activation=softmax",
                         "compile optimizer=sgd"])
        let train = s.data!.train
        func run(_ line: String) throws -> LRFindCommand.Curve {
            let c = try command(line, s)
            let m = try ModelStore.clone(s.model!)
            let opt = Optimizer(rule: s.model!.optimizer!.rule, learningRate: Float(c.start), clipping: s.model!.optimizer!.clipping)
            m.optimizer = opt
            return c.record(m, optimizer: opt, train: train, session: s)
        }
        let smoothed = try run("lr_find epochs=3 batch_size=8 start=1e-3 end=1000")
        let raw = try run("lr_find epochs=3 batch_size=8 start=1e-3 end=1000 smooth=false")
        XCTAssertEqual(raw.planned, 3 * ((train.count + 7) / 8))
        XCTAssertLessThan(smoothed.raw.count, smoothed.planned, "the smoothed test stops once its loss passes 4× its best")
        XCTAssertEqual(raw.raw.count + (raw.nonFiniteStep == nil ? 0 : 1), raw.planned, "smooth=false runs every step (up to a NaN)")
        XCTAssertEqual(Array(raw.raw.prefix(smoothed.raw.count)), smoothed.raw, "the same steps, only the stop differs")
    }

    func testEpochsOutputShowsTheBooksNumbersAndLeavesTheSessionAlone() throws {
        let s = bookSession()
        let before = s.model!.parameters.map { $0.value.array }
        let iterations = s.model!.optimizer!.iterations
        let rng = s.rng
        let out = s.run("lr_find epochs=1 batch_size=16 smooth=false").output
        XCTAssertTrue(out.contains("loss per batch vs learning rate (log scale, 1e-04"), out)
        XCTAssertTrue(out.contains("13 steps: 1 epoch of 200 samples in batches of 16,"), out)
        XCTAssertTrue(out.contains(String(format: "the rate × %.6f per batch from 1.00e-04", pow(1e4, 1.0 / 13))), out)
        XCTAssertTrue(out.contains("lowest batch loss"), out)
        XCTAssertTrue(out.contains("about 10 times lower than where the loss starts to climb"), out)
        let axis = try XCTUnwrap(out.split(separator: "\n").first { $0.hasSuffix("  lr") }, out)
        XCTAssertTrue(axis.contains("1e-4") && axis.contains("1e-1"), String(axis))
        for l in out.split(separator: "\n") { XCTAssertLessThanOrEqual(l.count, 80, "too wide: \(l)") }
        // The suggestion is a tenth of the rate of the lowest batch loss.
        let lowest = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("lowest batch loss") }, out).split(separator: " ")
        let lowRate = try XCTUnwrap(Double(lowest[lowest.firstIndex(of: "lr")! + 1]))
        let suggested = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("suggested learning_rate ≈") }, out).split(separator: " ")
        XCTAssertEqual(try XCTUnwrap(Double(suggested[3])), lowRate / 10, accuracy: lowRate * 0.01)
        XCTAssertEqual(s.model!.parameters.map { $0.value.array }, before)
        XCTAssertEqual(s.model!.optimizer!.iterations, iterations)
        var a = s.rng, b = rng
        XCTAssertEqual(a.next(), b.next())
    }

    func testEpochsAndSmoothAreCheckedBeforeAnythingRuns() {
        let s = bookSession()
        for (line, needle) in [("lr_find epochs=1 steps=100", "not both"), ("lr_find epochs=0", "out of range"),
                               ("lr_find epochs=1001", "out of range"), ("lr_find epochs=1.5", "whole number"),
                               ("lr_find smooth=maybe", "true or false"), ("lr_find epochs=1 batch_size=100", "only 2 steps"),
                               ("lr_find epoch=1", "did you mean")] {
            let c = s.run(line)
            XCTAssertTrue(c.failed, "\(line): \(c.output)")
            XCTAssertTrue(c.output.contains(needle), "\(line): \(c.output)")
            XCTAssertEqual(c.output.split(separator: "\n").count, 1, "\(line): one line")
        }
    }

    /// `data=` writes what find_learning_rate returns: one row per step, the
    /// rate of step k = 1e-4 · factor^(k−1), factor = (1/1e-4)^(1/14) for
    /// ceil(200/32) · 2 = 14 steps (values computed in Python).
    func testDataWritesEveryStepsRateAndLoss() throws {
        let s = bookSession()
        let path = NSTemporaryDirectory() + "lr-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = s.run("lr_find epochs=2 smooth=false data=\(path)")
        XCTAssertFalse(out.failed, out.output)
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.first, "step,learning_rate,loss")
        XCTAssertEqual(rows.count, 1 + 14)
        let second = rows[2].split(separator: ",")
        XCTAssertEqual(Double(second[1])!, 0.0001930697728883250, accuracy: 1e-15)
        XCTAssertTrue(rows.dropFirst().allSatisfy { Double($0.split(separator: ",")[2]) != nil })
        XCTAssertTrue(s.run("lr_find data=\(path).txt").failed, "CSV only")
    }
}

