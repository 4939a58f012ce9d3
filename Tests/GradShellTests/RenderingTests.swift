import Foundation
import XCTest

@testable import GradShell

#if canImport(FoundationXML)
    import FoundationXML
#endif

final class RenderingTests: XCTestCase {
    let chart = LineChart(
        title: "loss per epoch", xLabel: "epoch",
        series: [
            .init(name: "train", values: [1.0, 0.5, 0.25, 0.2], marker: "●"),
            .init(name: "validation", values: [1.1, 0.7, 0.5, 0.45], marker: "○"),
        ])

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
        XCTAssertEqual(
            Table.render([["a", "bb"], ["ccc", "d"]], rightAligned: [1]), ["a    bb", "───────", "ccc   d"])
    }

    func testProgressBarLooksLikeKeras() {
        let bar = ProgressBar(width: 80)
        XCTAssertEqual(
            bar.line(
                step: 1719, steps: 1719, elapsed: 4.2, metrics: [("loss", 0.536), ("accuracy", 0.8121)], final: true),
            "1719/1719 ━━━━━━━━━━━━━━━━━━━━ 4s 2ms/step - loss: 0.5360 - accuracy: 0.8121")
        XCTAssertTrue(bar.line(step: 10, steps: 100, elapsed: 1, metrics: []).contains("ETA 9s"))
    }

    let epochMetrics: [(String, Double)] = [
        ("loss", 0.536), ("accuracy", 0.8121), ("val_loss", 0.4866), ("val_accuracy", 0.835),
    ]

    func testEpochLineKeepsOneRowWhenItFits() {
        let line = ProgressBar(width: 120).line(
            step: 1719, steps: 1719, elapsed: 4.2, metrics: epochMetrics, final: true)
        XCTAssertEqual(
            line,
            "1719/1719 ━━━━━━━━━━━━━━━━━━━━ 4s 2ms/step - loss: 0.5360 - accuracy: 0.8121 - val_loss: 0.4866 - val_accuracy: 0.8350"
        )
    }

    func testEpochLineShortensTheBarFirst() {
        // 118 columns wide with a full bar: 3 too many for 115, so the bar loses 3.
        let line = ProgressBar(width: 115).line(
            step: 1719, steps: 1719, elapsed: 4.2, metrics: epochMetrics, final: true)
        XCTAssertEqual(
            line,
            "1719/1719 ━━━━━━━━━━━━━━━━━ 4s 2ms/step - loss: 0.5360 - accuracy: 0.8121 - val_loss: 0.4866 - val_accuracy: 0.8350"
        )
    }

    func testEpochLineWrapsWholeMetricsAt80Columns() {
        let line = ProgressBar(width: 80).line(
            step: 1719, steps: 1719, elapsed: 4.2, metrics: epochMetrics, final: true)
        XCTAssertEqual(
            line,
            """
            1719/1719 ━━━━━━━━━━━━━━━━━━━━ 4s 2ms/step - loss: 0.5360 - accuracy: 0.8121
                      - val_loss: 0.4866 - val_accuracy: 0.8350
            """)
        for width in [40, 50, 60, 70, 80, 100, 117] {
            let rows = ProgressBar(width: width).line(
                step: 1719, steps: 1719, elapsed: 4.2, metrics: epochMetrics, final: true
            ).split(separator: "\n")
            for r in rows { XCTAssertLessThanOrEqual(r.count, width, "width \(width): \(r)") }
            // Every number whole: the rows joined give back every metric.
            let joined = rows.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            for m in ["loss: 0.5360", "accuracy: 0.8121", "val_loss: 0.4866", "val_accuracy: 0.8350"] {
                XCTAssertTrue(joined.contains(m), "width \(width) lost '\(m)': \(rows)")
            }
        }
    }

    func testLiveLineIsOneRowOffTheLastColumn() {
        for width in [30, 40, 60, 79, 80] {
            let line = ProgressBar(width: width).line(
                step: 50, steps: 1719, elapsed: 1, metrics: [("loss", 0.5), ("accuracy", 0.8)])
            XCTAssertFalse(line.contains("\n"), line)
            XCTAssertLessThanOrEqual(line.count, width - 1, "width \(width): \(line)")
            XCTAssertFalse(line.hasSuffix(":") || line.hasSuffix(": 0."), "a metric cut: \(line)")
        }
        XCTAssertTrue(
            ProgressBar(width: 80).line(step: 50, steps: 1719, elapsed: 1, metrics: [("loss", 0.5), ("accuracy", 0.8)])
                .hasSuffix("accuracy: 0.8000"))
        XCTAssertFalse(
            ProgressBar(width: 40).line(step: 50, steps: 1719, elapsed: 1, metrics: [("loss", 0.5), ("accuracy", 0.8)])
                .contains("accuracy"))
    }

    func testBarReadsTheWidthAtEveryDraw() {
        var columns = 120
        let bar = ProgressBar(width: columns)
        let wide = bar.line(step: 1719, steps: 1719, elapsed: 4.2, metrics: epochMetrics, final: true)
        columns = 60
        let narrow = bar.line(step: 1719, steps: 1719, elapsed: 4.2, metrics: epochMetrics, final: true)
        XCTAssertFalse(wide.contains("\n"))
        XCTAssertTrue(narrow.split(separator: "\n").allSatisfy { $0.count <= 60 }, narrow)
    }

    func testSessionWidthFollowsAResize() {
        let s = Session()
        s.width = 100
        var pending: Int? = nil
        s.resizedWidth = {
            defer { pending = nil }
            return pending
        }
        XCTAssertEqual(s.width, 100)
        pending = 64
        XCTAssertEqual(s.width, 64)
        XCTAssertEqual(s.width, 64, "the new width stays once read")
        let bar = ProgressBar(width: s.width)
        pending = 50
        XCTAssertLessThanOrEqual(
            bar.line(step: 1, steps: 1719, elapsed: 1, metrics: [("loss", 0.5), ("accuracy", 0.8)]).count, 49)
    }

    func testRedrawAfterShrinkClearsEveryReflowedRow() {
        XCTAssertEqual(ProgressBar.clearSequence(previousColumns: 0, width: 80), "\r\u{1B}[J")
        XCTAssertEqual(ProgressBar.clearSequence(previousColumns: 79, width: 80), "\r\u{1B}[J")
        XCTAssertEqual(ProgressBar.clearSequence(previousColumns: 79, width: 40), "\u{1B}[1A\r\u{1B}[J")
        XCTAssertEqual(ProgressBar.clearSequence(previousColumns: 119, width: 40), "\u{1B}[2A\r\u{1B}[J")
        XCTAssertEqual(ProgressBar.clearSequence(previousColumns: 80, width: 40), "\u{1B}[1A\r\u{1B}[J")
    }

    func testPredictFitsEightyColumns() throws {
        let s = Session(seed: 1)
        for l in [
            "data moons n=400 validation=100", "model new", "add dense 8 activation=relu", "add dropout 0.2",
            "add dense 2 activation=softmax",
            "compile loss=sparse_categorical_crossentropy optimizer=sgd metrics=accuracy",
            "fit epochs=1 verbose=0",
        ] { XCTAssertFalse(s.run(l).failed, l) }
        for l in ["predict index=0..9", "predict mc samples=5 index=0..3"] {
            let out = s.run(l).output
            for row in out.split(separator: "\n") { XCTAssertLessThanOrEqual(row.count, 80, row.description) }
        }
        XCTAssertTrue(s.run("predict mc samples=1 index=0").output.hasPrefix("MC Dropout: 1 pass,"))
    }

    func testColourOnlyWhenEnabledAndTranscriptsArePlain() {
        XCTAssertEqual(Style.paint("ok", .green, enabled: false), "ok")
        XCTAssertEqual(Style.plain(Style.paint("ok", .green, enabled: true)), "ok")
    }

    func testVolatilePartsAreMaskedAndNumbersCompareWithinTolerance() {
        XCTAssertNil(
            OutputComparison.difference(
                expected: "1719/1719 ━━ 4s 2ms/step - loss: 0.5360", got: "1719/1719 ━━ 9s 5ms/step - loss: 0.5361",
                relative: 1e-3, absolute: 0))
        XCTAssertNotNil(
            OutputComparison.difference(expected: "loss: 0.5360", got: "loss: 0.5460", relative: 1e-3, absolute: 0))
        XCTAssertNotNil(OutputComparison.difference(expected: "train 240", got: "valid 240", relative: 1, absolute: 1))
        XCTAssertNotNil(OutputComparison.difference(expected: "a\nb", got: "a", relative: 0, absolute: 0))
    }
}

final class PlotActivationTests: XCTestCase {
    func testPlotActivationDrawsTheFunctionAndItsDerivative() {
        let s = Session()
        let out = s.run("plot activation relu").output
        XCTAssertTrue(out.hasPrefix("relu(x) and its derivative"), out)
        XCTAssertTrue(out.contains("-5") && out.contains("● relu   ○ derivative"), out)
        let c = PlotCommand.curve(.relu, (-5, 5), count: 11)
        XCTAssertEqual(c.y, [0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5])
        XCTAssertEqual(c.dy, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
        XCTAssertTrue(s.run("plot activation softmax").failed)
        XCTAssertTrue(s.run("plot activation elu from=2 to=1").failed)
    }

    /// One epoch's learning rate is a flat line at its value, not an axis from 0.01 to 1.01.
    func testAFlatSeriesGetsABandAroundItsValue() {
        let chart = LineChart(title: "lr", xLabel: "epoch", series: [.init(name: "lr", values: [0.01], marker: "●")])
        let labels = chart.render(width: 40).filter { $0.contains("┤") }.compactMap { $0.split(separator: "┤").first }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        XCTAssertEqual(labels.first, "0.011")
        XCTAssertEqual(labels.last, "0.009")
    }
}
