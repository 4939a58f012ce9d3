import Foundation
import GradNN
@testable import GradShell
import XCTest

/// `check` judges mc_accuracy on the `evaluate test mc` the learner just saw,
/// when the model has not changed since, and says which number it used.
final class CheckCommandTests: XCTestCase {
    func testMCAccuracyUsesTheLastEvaluateOfTheSameModelState() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gl-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/ex.md"
        try "# Exercise\n\n```gradlab\n> expect mc_accuracy >= 0\n```\n".write(toFile: path, atomically: true, encoding: .utf8)
        let s = Session(seed: 7, sessionsDirectory: dir)
        for l in ["exercise open \(path)", "data moons n=300 validation=50", "model new", "add dense 16 activation=relu", "add dropout 0.5",
                  "add dense 2 activation=softmax", "compile optimizer=sgd(learning_rate=0.1) metrics=accuracy", "fit epochs=2"] {
            let c = s.run(l)
            XCTAssertFalse(c.failed, "\(l): \(c.output)")
        }
        func got(_ out: String) throws -> Double {
            let line = try XCTUnwrap(out.split(separator: "\n").first { $0.contains("mc_accuracy") }, out)
            let r = try XCTUnwrap(line.range(of: "(got "), out)
            return try XCTUnwrap(Double(line[r.upperBound...].prefix { $0 != ")" }), out)
        }

        let fresh = s.run("check").output
        XCTAssertTrue(fresh.contains("measured now: 30 MC Dropout passes on the test split\n        (no `evaluate test mc` yet)"), fresh)

        let ev = s.run("evaluate test mc samples=3").output
        let line = try XCTUnwrap(ev.split(separator: "\n").first { $0.contains("mc accuracy:") }, ev)
        let printed = try XCTUnwrap(Double(line.split(separator: " ").last!), ev)
        let used = s.run("check").output
        XCTAssertTrue(used.contains("from the last `evaluate test mc` (3 passes)"), used)
        XCTAssertEqual(try got(used), printed, accuracy: 5e-5)
        XCTAssertEqual(s.lastMonteCarloEvaluation?.passes, 3)

        // A validation evaluation does not stand in for the test split…
        XCTAssertFalse(s.run("evaluate validation mc samples=3").failed)
        XCTAssertTrue(s.run("check").output.contains("the last `evaluate … mc` was on validation"))
        // …and a changed model makes the test one stale.
        XCTAssertFalse(s.run("evaluate test mc samples=3").failed)
        XCTAssertTrue(s.run("check").output.contains("from the last `evaluate test mc`"))
        XCTAssertFalse(s.run("fit epochs=1").failed)
        let stale = s.run("check").output
        XCTAssertTrue(stale.contains("measured now") && stale.contains("the model changed since `evaluate test mc`"), stale)
        for l in stale.split(separator: "\n") { XCTAssertLessThanOrEqual(l.count, 80, "too wide: \(l)") }
    }

    func testStateDigestSeesAWeightChange() {
        let s = Session(seed: 7)
        for l in ["data moons n=100", "model new", "add dense 2 activation=softmax", "compile optimizer=sgd"] { XCTAssertFalse(s.run(l).failed) }
        let m = s.model!, test = s.data!.test!
        let a = MonteCarloEvaluation.state(of: m, on: test)
        XCTAssertEqual(a, MonteCarloEvaluation.state(of: m, on: test))
        let k = m.layers[0].parameters[0]
        k.value[0] += 1e-6
        XCTAssertNotEqual(a, MonteCarloEvaluation.state(of: m, on: test))
    }
}
