import Foundation
import GradNN
import GradTensor
import TestSupport
import XCTest

@testable import GradShell

/// The book's MCDropout and MCAlphaDropout (cells 111 and 129): dropout that
/// stays on at inference, through the layer, the shell, model.json and both
/// exports.
final class MCDropoutTests: TemporaryDirectoryTestCase {
    func session(_ lines: [String]) -> Session {
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        for line in lines {
            let c = s.run(line)
            XCTAssertFalse(c.failed, "\(line) → \(c.output)")
        }
        return s
    }

    func built<L: Layer>(_ l: L) throws -> L {
        var rng = RandomGenerator(seed: 1)
        try l.build(inputShape: [50], rng: &rng)
        return l
    }

    func testMCLayersDropAtInferenceExactlyAsTheirLayerDoesInTraining() throws {
        let x = Tensor(repeating: 1, shape: [8, 50])
        for (mc, plain) in [(try built(MCDropout(rate: 0.5)) as Layer, try built(Dropout(rate: 0.5)) as Layer),
                            (try built(MCAlphaDropout(rate: 0.2)), try built(AlphaDropout(rate: 0.2)))] {
            var r = RandomGenerator(seed: 5)
            XCTAssertEqual(plain(x, mode: .inference, rng: &r).array, x.array, "\(plain.typeName) is off at inference")
            var r1 = RandomGenerator(seed: 9), r2 = r1
            let y = mc(x, mode: .inference, rng: &r1).array
            XCTAssertEqual(y, plain(x, mode: .training, rng: &r2).array, "\(mc.typeName) at inference = \(plain.typeName) in training")
            XCTAssertNotEqual(y, x.array, mc.typeName)
            XCTAssertEqual(r1.next(), r2.next(), "the same draws")
            // Two calls draw two masks.
            XCTAssertNotEqual(mc(x, mode: .inference, rng: &r1).array, y, mc.typeName)
            XCTAssertTrue(mc.isStochastic && mc.isStochasticAtInference, mc.typeName)
            XCTAssertFalse(plain.isStochasticAtInference, plain.typeName)
        }
        // Dropout's survivors are scaled by 1 / (1 − rate).
        var r = RandomGenerator(seed: 2)
        let y = try built(MCDropout(rate: 0.5))(x, mode: .inference, rng: &r).array
        XCTAssertEqual(Set(y), [0, 2])
        XCTAssertEqual(Double(y.filter { $0 == 0 }.count) / 400, 0.5, accuracy: 0.1)
    }

    func testEvaluateAndPredictAreStochasticWithMCDropoutAsInKeras() throws {
        let s = session(["data moons n=300 validation=50", "model new", "add dense 16 activation=relu", "add mc_dropout 0.3",
                         "add dense 2 activation=softmax", "compile optimizer=sgd metrics=accuracy", "fit 2 verbose=0"])
        XCTAssertTrue(s.run("summary").output.contains("mc_dropout (MCDropout)"))
        let e1 = s.run("evaluate test"), e2 = s.run("evaluate test")
        XCTAssertFalse(e1.failed || e2.failed, e1.output + e2.output)
        XCTAssertNotEqual(e1.output.split(separator: "\n").first, e2.output.split(separator: "\n").first, "two passes, two losses")
        XCTAssertTrue(e1.output.contains("note: mc_dropout stays on at inference, so this is one stochastic pass"), e1.output)
        let p1 = s.run("predict index=0..9").output, p2 = s.run("predict index=0..9").output
        XCTAssertNotEqual(p1, p2)
        let mc = s.run("predict mc samples=20 index=0")
        XCTAssertFalse(mc.failed, mc.output)
        let stdRow = try XCTUnwrap(mc.output.split(separator: "\n").first { $0.hasPrefix("  std") }, mc.output)
        XCTAssertTrue(stdRow.split(separator: " ").dropFirst().contains { (Double($0) ?? 0) > 0 }, mc.output)
        let emc = s.run("evaluate test mc samples=10")
        XCTAssertFalse(emc.failed, emc.output)
        XCTAssertTrue(emc.output.contains("mc accuracy"), emc.output)
        // Validation during fit is a stochastic pass too.
        XCTAssertFalse(s.run("fit 1 verbose=0").failed)
        XCTAssertNotNil(s.model?.history.last?.valLoss)
        // The help says so.
        XCTAssertTrue(s.run("help evaluate").output.contains("mc_dropout"))
        XCTAssertTrue(s.run("help predict").output.contains("mc_dropout"))
        XCTAssertTrue(s.run("help add").output.contains("mc_dropout"))

        // A model with plain dropout evaluates the same every time, and draws nothing.
        let t = session(["data moons n=300 validation=50", "model new", "add dense 16 activation=relu", "add dropout 0.3",
                         "add dense 2 activation=softmax", "compile optimizer=sgd metrics=accuracy", "fit 1 verbose=0"])
        let before = t.rng
        XCTAssertEqual(t.run("evaluate test").output, t.run("evaluate test").output)
        XCTAssertFalse(t.run("evaluate test").output.contains("note:"))
        var a = t.rng, b = before
        XCTAssertEqual(a.next(), b.next())
    }

    func testExplainDropoutFindsTheMCLayerAndSaysItStaysOn() {
        let s = session(["data moons n=300 validation=50", "model new", "add dense 16 activation=relu", "add mc_dropout 0.5",
                         "add dense 2 activation=softmax", "compile optimizer=sgd"])
        let out = s.run("explain dropout")
        XCTAssertFalse(out.failed, out.output)
        XCTAssertTrue(out.output.contains("layer 1 mc_dropout"), out.output)
        XCTAssertTrue(out.output.contains("configured rate 0.5"), out.output)
        XCTAssertTrue(out.output.contains("it stays on at inference too (mc_dropout)"), out.output)
        XCTAssertFalse(out.output.contains("at inference dropout is off"), out.output)
        for l in out.output.split(separator: "\n") { XCTAssertLessThanOrEqual(l.count, 80, String(l)) }
    }

    func testMCLayersSaveLoadAndKeepTheirClass() throws {
        let s = session(["data moons n=300 validation=50", "model new", "add dense 16 activation=selu kernel_initializer=lecun_normal",
                         "add mc_alpha_dropout 0.1", "add dense 8 activation=relu", "add mc_dropout rate=0.25",
                         "add dense 2 activation=softmax", "compile optimizer=sgd", "fit 1 verbose=0",
                         "model save \(dir)/m"])
        let json = try String(contentsOfFile: dir + "/m/model.json", encoding: .utf8)
        XCTAssertTrue(json.contains("MCDropout") && json.contains("MCAlphaDropout"), json)
        let t = session(["data moons n=300 validation=50", "model load \(dir)/m"])
        let layers = try XCTUnwrap(t.model?.layers)
        XCTAssertEqual((layers[1] as? MCAlphaDropout)?.rate, 0.1)
        XCTAssertEqual((layers[3] as? MCDropout)?.rate, 0.25)
        XCTAssertEqual(layers.map(\.name), s.model!.layers.map(\.name))
    }

    func testBothExportsDefineTheBooksClasses() throws {
        let s = session(["data moons n=300 validation=50", "model new", "add dense 16 activation=selu kernel_initializer=lecun_normal",
                         "add mc_alpha_dropout 0.1", "add dense 8 activation=relu", "add mc_dropout 0.25",
                         "add dense 2 activation=softmax", "compile optimizer=sgd"])
        for f in ["keras", "pytorch"] {
            let c = s.run("export \(f) \(dir)/m_\(f).py")
            XCTAssertFalse(c.failed, c.output)
        }
        let keras = try String(contentsOfFile: dir + "/m_keras.py", encoding: .utf8)
        for needle in ["class MCDropout(layers.Dropout):", "class MCAlphaDropout(layers.AlphaDropout):",
                       "    def call(self, inputs, training=False):\n        return super().call(inputs, training=True)",
                       "MCDropout(0.25, name=\"mc_dropout\")", "MCAlphaDropout(0.1, name=\"mc_alpha_dropout\")",
                       "# gradlab: add mc_dropout 0.25"] {
            XCTAssertTrue(keras.contains(needle), "keras script lacks \(needle)")
        }
        XCTAssertEqual(keras.components(separatedBy: "class MCDropout(").count, 2, "defined once")
        let torch = try String(contentsOfFile: dir + "/m_pytorch.py", encoding: .utf8)
        for needle in ["class MCDropout(nn.Dropout):", "return nn.functional.dropout(x, self.p, training=True)",
                       "class MCAlphaDropout(nn.AlphaDropout):", "return nn.functional.alpha_dropout(x, self.p, training=True)",
                       "MCDropout(0.25)", "MCAlphaDropout(0.1)"] {
            XCTAssertTrue(torch.contains(needle), "pytorch script lacks \(needle)")
        }
        // A model without them defines neither class.
        let t = session(["data moons n=300 validation=50", "model new", "add dense 8 activation=relu", "add dropout 0.2",
                         "add dense 2 activation=softmax", "compile optimizer=sgd", "export keras \(dir)/plain.py"])
        XCTAssertFalse(try String(contentsOfFile: dir + "/plain.py", encoding: .utf8).contains("MCDropout"))
        _ = t
    }

    func testAddRefusesBadMCDropoutInOneLineAndChangesNothing() {
        let s = session(["data moons n=300", "model new", "add dense 4"])
        for (line, needle) in [("add mc_dropout", "needs"), ("add mc_dropout 1", "out of range"), ("add mc_dropout -0.1", "out of range"),
                               ("add mcdropout 0.1", "did you mean 'mc_dropout'"), ("add mc_alpha_dropout rate=x", "number"),
                               ("add mc_dropout 0.1 noise_shape=2", "noise_shape")] {
            let c = s.run(line)
            XCTAssertTrue(c.failed, "\(line): \(c.output)")
            XCTAssertTrue(c.output.contains(needle), "\(line): \(c.output)")
            XCTAssertEqual(c.output.split(separator: "\n").count, 1, "\(line): \(c.output)")
            XCTAssertEqual(s.model?.layers.count, 1, line)
        }
    }
}
