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
}
