import XCTest

@testable import GradShell

final class PluralTests: XCTestCase {
    func testCountAndNounAgree() {
        XCTAssertEqual(plural(1, "epoch"), "1 epoch")
        XCTAssertEqual(plural(0, "epoch"), "0 epochs")
        XCTAssertEqual(plural(3, "cell"), "3 cells")
        XCTAssertEqual(plural(1, "pass", "passes"), "1 pass")
        XCTAssertEqual(plural(100, "pass", "passes"), "100 passes")
    }

    /// Outputs that can say "1 …" say it in the singular.
    func testOneOfSomethingIsSingularInOutput() {
        let s = Session(seed: 3)
        for l in [
            "data moons n=400 validation=100", "model new", "add dense 8 activation=relu", "add dropout 0.2",
            "add dense 2 activation=softmax",
            "compile loss=sparse_categorical_crossentropy optimizer=sgd metrics=accuracy",
        ] {
            XCTAssertFalse(s.run(l).failed, l)
        }
        let mc = s.run("evaluate test mc samples=1").output
        XCTAssertTrue(mc.contains("(1 pass)"), mc)
        XCTAssertFalse(mc.contains("1 passes"), mc)
        XCTAssertTrue(s.run("predict mc samples=1 index=0").output.contains("1 pass,"))
        let summary = Replayer.summary(ReplayReport(path: "t.md", cellsRun: 1, checked: 1))
        XCTAssertEqual(summary, "t.md: 1 cell run, 1 checked, 0 failed")
        XCTAssertEqual(Histogram.render([2.5], bins: 4, width: 10), ["one value: 2.5"])
    }
}
