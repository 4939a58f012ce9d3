import Foundation
import GradNN
import XCTest

@testable import GradShell

/// `plot` of history series (one or two scales) and of several activations, swish(β) included.
final class PlotCommandTests: XCTestCase {
    /// A session whose model has a known four-epoch history.
    func session(validation: Bool = true) -> Session {
        let s = Session(
            seed: 7,
            sessionsDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("gl-\(UUID())").path)
        for l in ["model new", "add dense 2 activation=softmax"] { XCTAssertFalse(s.run(l).failed, l) }
        let lr = [0.01, 0.01, 0.005, 0.0025]
        let loss = [0.8, 0.5, 0.4, 0.35]
        let val = [0.9, 0.6, 0.5, 0.45]
        let acc = [0.6, 0.7, 0.8, 0.85]
        let valAcc = [0.55, 0.65, 0.75, 0.8]
        s.model!.history.epochs = (0..<4).map {
            EpochLogs(
                epoch: $0, loss: loss[$0], accuracy: acc[$0], valLoss: validation ? val[$0] : nil,
                valAccuracy: validation ? valAcc[$0] : nil, learningRate: lr[$0], seconds: 1, steps: 10)
        }
        return s
    }

    func testValLossAloneIsDrawn() {
        let out = session().run("plot val_loss")
        XCTAssertFalse(out.failed, out.output)
        let lines = out.output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "val_loss per epoch")
        XCTAssertEqual(lines.last, "           ● validation loss")
        XCTAssertEqual(LineChartTests.scaleLabels(lines, right: false), ["0.9", "0.6545", "0.45"])
        XCTAssertEqual(
            session().run("plot val_accuracy").output.split(separator: "\n").last, "           ● validation accuracy")
    }

    func testALossListDrawsBothCurvesWithALegend() {
        let out = session().run("plot loss,val_loss").output
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "loss and val_loss per epoch")
        XCTAssertEqual(lines.last, "           ● train loss   ○ validation loss")
        XCTAssertEqual(LineChartTests.scaleLabels(lines, right: false), ["0.9", "0.6", "0.35"], "one scale over both")
        XCTAssertFalse(out.contains("├"), "loss and val_loss share one scale")
        // `plot loss` alone still brings the validation curve along, as before.
        XCTAssertEqual(
            session().run("plot loss").output.split(separator: "\n").last, "           ● train loss   ○ validation loss"
        )
    }

    func testLrAndValLossGetOneScaleEach() {
        let lines = session().run("plot lr,val_loss").output.split(separator: "\n").map(String.init)
        XCTAssertEqual(
            LineChartTests.scaleLabels(lines, right: false), ["0.01", "0.005909", "0.0025"],
            lines.joined(separator: "\n"))
        XCTAssertEqual(
            LineChartTests.scaleLabels(lines, right: true), ["0.9", "0.6545", "0.45"], lines.joined(separator: "\n"))
        XCTAssertEqual(lines.last, "           ● learning rate (left scale)   ○ validation loss (right scale)")
    }

    func testUnknownMetricsAndThreeScalesAreOneClearError() {
        let s = session()
        let bad = s.run("plot val_los")
        XCTAssertTrue(bad.failed)
        XCTAssertTrue(bad.output.contains("did you mean 'val_loss'?"), bad.output)
        XCTAssertTrue(
            bad.output.contains("accepted: loss, val_loss, accuracy, val_accuracy, lr, activation"), bad.output)
        XCTAssertEqual(bad.output.split(separator: "\n").count, 1, bad.output)
        let three = s.run("plot loss,accuracy,lr")
        XCTAssertTrue(three.failed && three.output.contains("two y scales"), three.output)
        XCTAssertTrue(s.run("plot loss,loss").failed)
    }

    func testValidationSeriesNeedValidationData() {
        let s = session(validation: false)
        let out = s.run("plot lr,val_loss")
        XCTAssertTrue(out.failed && out.output.contains("no val_loss"), out.output)
        XCTAssertEqual(s.run("plot loss").output.split(separator: "\n").last, "           ● train loss")
    }

    func testSvgOfATwinPlotIsWritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gl-plot-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/twin.svg"
        let out = session().run("plot lr,val_loss file=\"\(path)\"")
        XCTAssertFalse(out.failed, out.output)
        XCTAssertEqual(out.output.split(separator: "\n").last, "wrote \(path)")
        let svg = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(svg.contains("learning rate (left scale)") && svg.contains("stroke-dasharray"))
        XCTAssertTrue(svg.contains("rotate(-90") && svg.contains(">lr</text>") && svg.contains(">val_loss</text>"), svg)
    }

    func testSwishDerivativeMatchesFiniteDifferences() {
        for beta in [0.1, 0.6, 1, 1.702, 2, 10] {
            for z in stride(from: -4.0, through: 4.0, by: 0.25) {
                let h = 1e-5
                let numeric =
                    (PlottedFunction.swish(z + h, beta: beta) - PlottedFunction.swish(z - h, beta: beta)) / (2 * h)
                XCTAssertEqual(
                    PlottedFunction.swishDerivative(z, beta: beta), numeric, accuracy: 1e-7, "β=\(beta) z=\(z)")
            }
        }
    }

    /// β = 1 is Keras' silu, computed in Float by the training code.
    func testSwishOfBetaOneIsSilu() {
        let a = PlottedFunction.swish(beta: 1).curve((-5, 5))
        let b = PlottedFunction.activation(.silu).curve((-5, 5))
        for i in a.y.indices {
            XCTAssertEqual(a.y[i], b.y[i], accuracy: 1e-5)
            XCTAssertEqual(a.dy[i], b.dy[i], accuracy: 1e-5)
        }
    }

    func testPlotActivationSwishWithBeta() {
        let s = Session()
        let out = s.run("plot activation swish(0.6)").output
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "swish(0.6)(x) and its derivative")
        XCTAssertEqual(lines.last, "           ● swish(0.6)   ○ derivative")
        // f(5) = 5·σ(3) = 4.763 tops the scale.
        XCTAssertEqual(LineChartTests.scaleLabels(lines, right: false).first, "4.763")
        XCTAssertEqual(s.run("plot activation silu(beta=0.6)").output, out)
        XCTAssertTrue(s.run("plot activation swish(-1)").failed)
        XCTAssertTrue(s.run("plot activation swish(0.6, 1)").failed)
    }

    func testSeveralActivationsDrawFunctionsThenDerivatives() {
        let out = Session().run("plot activation gelu,swish,swish(0.6),mish from=-4 to=2").output
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "f(x): gelu, silu, swish(0.6), mish")
        XCTAssertTrue(lines.contains("           ● gelu   ■ silu   ▲ swish(0.6)   ◆ mish"), out)
        XCTAssertTrue(lines.contains("f′(x): their derivatives"), out)
        XCTAssertEqual(lines.last, "           ○ gelu′   □ silu′   △ swish(0.6)′   ◇ mish′")
        XCTAssertTrue(Session().run("plot activation relu,softmax").failed)
    }

    func testALayerRefusesSwishWithBeta() {
        let s = Session()
        XCTAssertFalse(s.run("model new").failed)
        let out = s.run("add dense 4 activation=swish(0.6)")
        XCTAssertTrue(out.failed)
        XCTAssertTrue(out.output.contains("is for plots only") && out.output.contains("silu has no β"), out.output)
        XCTAssertTrue(s.model!.layers.isEmpty)
        XCTAssertFalse(s.run("add dense 4 activation=swish").failed)
    }
}
