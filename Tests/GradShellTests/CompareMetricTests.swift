import Foundation
import GradNN
import XCTest

@testable import GradShell

/// `compare … metric=`: which history values each variant's curves carry, and refusals that train nothing.
final class CompareMetricTests: XCTestCase {
    func session(_ lines: [String]) -> Session {
        let s = Session(
            seed: 7,
            sessionsDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("gl-\(UUID())").path)
        for l in lines {
            let c = s.run(l)
            XCTAssertFalse(c.failed, "\(l): \(c.output)")
        }
        return s
    }

    let model = [
        "model new", "add dense 8 activation=relu", "add dense 2 activation=softmax",
        "compile optimizer=sgd(learning_rate=0.05)",
    ]

    func history(loss: [Double], val: [Double], valAccuracy: [Double]) -> History {
        var h = History()
        h.epochs = loss.indices.map {
            EpochLogs(
                epoch: $0, loss: loss[$0], accuracy: 0.5, valLoss: val[$0], valAccuracy: valAccuracy[$0],
                learningRate: 0.01,
                seconds: 1, steps: 1)
        }
        return h
    }

    func testTheChartCarriesEachRunsChosenMetrics() {
        let runs = [
            ("optimizer=sgd", history(loss: [0.9, 0.7], val: [1.0, 0.8], valAccuracy: [0.5, 0.6])),
            ("optimizer=adam", history(loss: [0.6, 0.3], val: [0.65, 0.4], valAccuracy: [0.7, 0.9])),
        ]
        let metrics = HistoryMetric.all.filter { ["loss", "val_loss"].contains($0.name) }
        let chart = CompareCommand.chart(runs.map { (label: $0.0, history: $0.1) }, metrics: metrics)
        XCTAssertEqual(chart.title, "loss and val_loss per epoch")
        XCTAssertEqual(
            chart.series.map(\.name),
            ["optimizer=sgd loss", "optimizer=sgd val_loss", "optimizer=adam loss", "optimizer=adam val_loss"])
        XCTAssertEqual(chart.series.map(\.values), [[0.9, 0.7], [1.0, 0.8], [0.6, 0.3], [0.65, 0.4]])
        XCTAssertEqual(chart.series.map(\.marker), ["●", "○", "■", "□"])
        XCTAssertEqual(chart.series.map(\.dashed), [false, true, false, true])
        XCTAssertEqual(chart.series.map(\.color), [0, 0, 1, 1])
        XCTAssertFalse(chart.hasRightAxis)

        let mixed = CompareCommand.chart(
            runs.map { (label: $0.0, history: $0.1) },
            metrics: HistoryMetric.all.filter { ["loss", "val_accuracy"].contains($0.name) })
        XCTAssertEqual(mixed.series.map(\.values), [[0.9, 0.7], [0.5, 0.6], [0.6, 0.3], [0.7, 0.9]])
        XCTAssertEqual(mixed.series.map(\.axis), [.left, .right, .left, .right])
        let lines = mixed.render(width: 100)
        XCTAssertEqual(LineChartTests.scaleLabels(lines, right: false).first, "0.9")
        XCTAssertEqual(LineChartTests.scaleLabels(lines, right: true).first, "0.9")
        XCTAssertEqual(LineChartTests.scaleLabels(lines, right: false).last, "0.3")
        XCTAssertEqual(LineChartTests.scaleLabels(lines, right: true).last, "0.5")
    }

    func testCompareOverlaysTrainingAndValidationLoss() {
        let s = session(["data moons n=200 validation=50"] + model)
        let base = s.model!
        let out = s.run("compare optimizer=sgd,adam epochs=2 metric=loss,val_loss")
        XCTAssertFalse(out.failed, out.output)
        XCTAssertTrue(out.output.contains("loss and val_loss per epoch"), out.output)
        XCTAssertTrue(
            out.output.contains("● optimizer=sgd loss") && out.output.contains("○ optimizer=sgd val_loss"), out.output)
        XCTAssertTrue(
            out.output.contains("■ optimizer=adam loss") && out.output.contains("□ optimizer=adam val_loss"), out.output
        )
        XCTAssertTrue(s.model === base)
        // Without metric= the chart is the validation loss, as before.
        let plain = s.run("compare optimizer=sgd,adam epochs=1").output
        XCTAssertTrue(
            plain.contains("val_loss per epoch") && plain.contains("● optimizer=sgd   ○ optimizer=adam"), plain)
    }

    func testRefusedMetricsTrainNothing() {
        let s = session(["data moons n=200"] + model)
        let base = s.model!
        let weights = base.parameters.map { $0.value.array }
        for line in [
            "compare optimizer=sgd,adam metric=val_los", "compare optimizer=sgd,adam metric=loss,val_loss,accuracy",
            "compare optimizer=sgd,adam metric=val_loss", "compare optimizer=sgd,adam metric=loss,loss",
        ] {
            let out = s.run(line)
            XCTAssertTrue(out.failed, line)
            XCTAssertEqual(
                out.output.split(separator: "\n").count, 1, "one error line, no variant trained: \(out.output)")
        }
        XCTAssertTrue(
            s.run("compare optimizer=sgd metric=foo").output.contains(
                "accepted: loss, val_loss, accuracy, val_accuracy, lr"))
        XCTAssertTrue(s.run("compare optimizer=sgd metric=val_accuracy").output.contains("needs validation data"))
        XCTAssertTrue(s.model === base)
        XCTAssertEqual(base.parameters.map { $0.value.array }, weights)
        XCTAssertEqual(s.exerciseTraining.epochs, 0)
    }
}
