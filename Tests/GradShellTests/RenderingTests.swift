import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import GradShell
import XCTest

final class RenderingTests: XCTestCase {
    let chart = LineChart(title: "loss per epoch", xLabel: "epoch",
                          series: [.init(name: "train", values: [1.0, 0.5, 0.25, 0.2], marker: "●"),
                                   .init(name: "validation", values: [1.1, 0.7, 0.5, 0.45], marker: "○")])

    func testLineChartSnapshot() {
        let text = chart.render(width: 40, height: 6).joined(separator: "\n")
        let expected = [
            "loss per epoch",
            "      1.1 ┤○··                         ",
            "          ┤●······                     ",
            "          ┤    ·····○··                ",
            "     0.56 ┤       ··●· ······○·····    ",
            "          ┤           ······       ···○",
            "      0.2 ┤                 ·●········●",
            "          └────────────────────────────",
            "           1                          4  epoch",
            "           ● train   ○ validation",
        ].joined(separator: "\n")
        XCTAssertEqual(text, expected, "\n" + text)
    }

    func testSVGParsesAsXML() throws {
        let svg = chart.svg()
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "SVG must be well-formed XML")
        XCTAssertTrue(svg.contains("<polyline"))
    }

    func testHistogramAndTable() {
        let h = Histogram.render([0, 0, 1, 2, 2, 2], bins: 2, width: 10)
        XCTAssertEqual(h.count, 2)
        XCTAssertTrue(h[1].hasSuffix(" 4"))
        XCTAssertEqual(Table.render([["a", "bb"], ["ccc", "d"]], rightAligned: [1]), ["a    bb", "───────", "ccc   d"])
    }

    func testProgressBarLooksLikeKeras() {
        let bar = ProgressBar(width: 80)
        XCTAssertEqual(bar.line(step: 1719, steps: 1719, elapsed: 4.2, metrics: [("loss", 0.536), ("accuracy", 0.8121)], final: true),
                       "1719/1719 ━━━━━━━━━━━━━━━━━━━━ 4s 2ms/step - loss: 0.5360 - accuracy: 0.8121")
        XCTAssertTrue(bar.line(step: 10, steps: 100, elapsed: 1, metrics: []).contains("ETA 9s"))
    }

    func testColourOnlyWhenEnabledAndTranscriptsArePlain() {
        XCTAssertEqual(Style.paint("ok", .green, enabled: false), "ok")
        XCTAssertEqual(Style.plain(Style.paint("ok", .green, enabled: true)), "ok")
    }

    func testVolatilePartsAreMaskedAndNumbersCompareWithinTolerance() {
        XCTAssertNil(OutputComparison.difference(expected: "1719/1719 ━━ 4s 2ms/step - loss: 0.5360", got: "1719/1719 ━━ 9s 5ms/step - loss: 0.5361",
                                                 relative: 1e-3, absolute: 0))
        XCTAssertNotNil(OutputComparison.difference(expected: "loss: 0.5360", got: "loss: 0.5460", relative: 1e-3, absolute: 0))
        XCTAssertNotNil(OutputComparison.difference(expected: "train 240", got: "valid 240", relative: 1, absolute: 1))
        XCTAssertNotNil(OutputComparison.difference(expected: "a\nb", got: "a", relative: 0, absolute: 0))
    }
}
