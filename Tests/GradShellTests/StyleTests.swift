import XCTest

@testable import GradShell

final class StyleTests: XCTestCase {
    /// A session on a colour terminal paints ✓, ✗ and `error:`; what it records stays plain.
    func testVerdictsAndErrorsAreColouredOnlyOnAColourTerminalAndRecordedPlain() {
        for colour in [true, false] {
            let s = Session(seed: 5)
            s.useColor = colour
            s.isTerminal = colour
            var shown: [String] = []
            s.onLine = { shown.append($0) }
            let bad = s.run("fitt epochs=2")
            XCTAssertTrue(
                bad.output.hasSuffix("error: 'fitt' is not a command; did you mean 'fit'? (type `help` for the list)"),
                bad.output)
            XCTAssertFalse(bad.output.contains("\u{1B}"), "the cell records plain text")
            XCTAssertEqual(shown.last?.contains("\u{1B}[1;31merror:\u{1B}[0m 'fitt'"), colour, shown.last ?? "")
            for l in [
                "data moons n=400 validation=100", "model new", "add dense 2 activation=softmax",
                "compile loss=sparse_categorical_crossentropy optimizer=sgd metrics=accuracy",
            ] { s.run(l) }
            let ok = s.run("expect layer 0 is dense")
            XCTAssertTrue(ok.output.hasPrefix("✓ "), ok.output)
            XCTAssertEqual(shown.last?.hasPrefix("\u{1B}[32m✓\u{1B}[0m "), colour, shown.last ?? "")
            let p = s.run("predict index=0..19")
            XCTAssertTrue(p.output.contains("  ✗"), "an untrained model gets some wrong: \(p.output)")
            XCTAssertFalse(p.output.contains("\u{1B}"))
            XCTAssertEqual(shown.last?.contains("\u{1B}[31m✗\u{1B}[0m"), colour)
            XCTAssertEqual(Transcript(cells: s.cells, title: nil).render().contains("\u{1B}"), false)
        }
    }
}
