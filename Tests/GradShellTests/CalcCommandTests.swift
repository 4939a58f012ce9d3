import XCTest

@testable import GradShell

/// Arithmetic at the prompt (the notebook's cell 44). Expected values were
/// printed by Python 3.11: `print(1 - (100 - 93.85) / (100 - 91.85))` etc.
final class CalcCommandTests: XCTestCase {
    func output(_ line: String) -> (text: String, failed: Bool) {
        let c = Session(seed: 1, sessionsDirectory: NSTemporaryDirectory() + "gradlab-calc").run(line)
        return (c.output, c.failed)
    }

    func testPrintsWhatPythonPrints() {
        let cases: [(String, String)] = [
            ("1 - (100 - 93.85) / (100 - 91.85)", "0.24539877300613477"),
            ("calc 50_000 * 25 // 32", "39062"),
            ("2 + 3", "5"),
            ("10 / 2", "5.0"),
            ("2 ** 0.5", "1.4142135623730951"),
            ("calc 7 // 2 * 1.5", "4.5"),
            ("calc exp(1)", "2.718281828459045"),
            ("(2 + 3) * 4", "20"),
            ("calc 0.01 * 0.1 ** (10 / 20)", "0.0031622776601683794"),
        ]
        for (line, expected) in cases {
            let r = output(line)
            XCTAssertFalse(r.failed, line)
            XCTAssertEqual(r.text, expected, line)
        }
    }

    func testRefusesNamesAndNonsenseInOneLine() {
        let deep = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        for line in ["(1 + epoch)", "calc", "1 / 0", "1 +", "calc import os", "2 ** 2000", deep, "calc " + String(repeating: "-", count: 1500) + "1",
                     "calc " + String(repeating: "not ", count: 400) + "1"] {
            let r = output(line)
            XCTAssertTrue(r.failed, line)
            XCTAssertEqual(r.text.split(separator: "\n").count, 1, String(line.prefix(80)))
        }
    }
}
