import Foundation
import XCTest

@testable import GradShell

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Twin scales, legends and SVG styles of `LineChart` (the plain chart's snapshot is in RenderingTests).
final class LineChartTests: XCTestCase {
    /// The labels of one side of the grid, top to bottom.
    static func scaleLabels(_ lines: [String], right: Bool) -> [String] {
        lines.filter { $0.contains("┤") }.compactMap { line -> String? in
            let part =
                right
                ? line.split(separator: "├", omittingEmptySubsequences: false).dropFirst().first.map(String.init)
                : line.split(separator: "┤").first.map(String.init)
            let t = part?.trimmingCharacters(in: .whitespaces) ?? ""
            return t.isEmpty ? nil : t
        }
    }

    let twin = LineChart(
        title: "lr and val_loss per epoch", xLabel: "epoch",
        series: [
            .init(name: "learning rate", values: [0.01, 0.01, 0.005, 0.0025], marker: "●"),
            .init(name: "validation loss", values: [900, 600, 500, 450], marker: "○", axis: .right, dashed: true),
        ])

    func testEachScaleShowsItsOwnSeriesRange() {
        let lines = twin.render(width: 60, height: 7)
        XCTAssertEqual(
            LineChartTests.scaleLabels(lines, right: false), ["0.01", "0.00625", "0.0025"],
            lines.joined(separator: "\n"))
        XCTAssertEqual(
            LineChartTests.scaleLabels(lines, right: true), ["900", "675", "450"], lines.joined(separator: "\n"))
    }

    /// On one scale the small series would lie flat on the bottom row; on its own it spans the grid.
    func testARightSeriesIsPlacedByItsOwnScale() {
        let rows = twin.render(width: 60, height: 7).filter { $0.contains("┤") }
        XCTAssertTrue(rows[0].contains("○") && rows[0].contains("●"), rows.joined(separator: "\n"))
        XCTAssertTrue(rows[6].hasSuffix("○├ 450"), rows.joined(separator: "\n"))
        var flat = twin
        flat.series[1].axis = .left
        XCTAssertFalse(flat.render(width: 60, height: 7).filter { $0.contains("┤") }[0].contains("●"))
    }

    func testTheLegendNamesEverySeriesAndItsScale() {
        let legend = twin.render(width: 100).last!
        XCTAssertEqual(legend, "           ● learning rate (left scale)   ○ validation loss (right scale)")
        let one = LineChart(
            title: "t", xLabel: "epoch", series: [.init(name: "train loss", values: [1, 0.5], marker: "●")])
        XCTAssertEqual(one.render(width: 100).last!, "           ● train loss", "one scale: no scale names")
    }

    func testALongLegendWrapsWithoutSplittingAnEntry() {
        let names = ["optimizer=sgd loss", "optimizer=sgd val_loss", "optimizer=adam loss", "optimizer=adam val_loss"]
        let chart = LineChart(
            title: "t", xLabel: "epoch",
            series: names.enumerated().map { .init(name: $1, values: [1, 0.5], marker: ["●", "○", "■", "□"][$0]) })
        XCTAssertEqual(
            Array(chart.render(width: 60).suffix(2)),
            [
                "           ● optimizer=sgd loss   ○ optimizer=sgd val_loss",
                "           ■ optimizer=adam loss   □ optimizer=adam val_loss",
            ])
    }

    func testSVGDashesValidationDrawsRightScaleAndMarksPoints() throws {
        let svg = twin.svg()
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse(), "SVG must be well-formed XML")
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 2)
        let polylines = svg.split(separator: "\n").filter { $0.hasPrefix("<polyline") }
        XCTAssertFalse(polylines[0].contains("stroke-dasharray"))
        XCTAssertTrue(polylines[1].contains("stroke-dasharray"))
        XCTAssertTrue(svg.contains(">900</text>") && svg.contains(">450</text>"), "right scale labels")
        XCTAssertTrue(svg.contains(">0.01</text>") && svg.contains(">0.0025</text>"), "left scale labels")
        XCTAssertTrue(svg.contains("validation loss (right scale)"))
        // A glyph per point (4 each) and one in each legend entry.
        XCTAssertEqual(svg.components(separatedBy: ">○</text>").count - 1, 5)
        XCTAssertEqual(svg.components(separatedBy: ">●</text>").count - 1, 5)
    }

    func testStackedSVGHoldsEveryChart() {
        let a = LineChart(title: "first", xLabel: "x", series: [.init(name: "f", values: [0, 1], marker: "●")])
        let b = LineChart(title: "second", xLabel: "x", series: [.init(name: "g", values: [1, 0], marker: "○")])
        let svg = LineChart.svgDocument([a, b], width: 640, height: 400)
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse())
        XCTAssertTrue(svg.contains("height=\"800\"") && svg.contains(">first</text>") && svg.contains(">second</text>"))
    }
}
