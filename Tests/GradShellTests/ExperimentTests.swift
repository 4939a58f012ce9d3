import Foundation
import GradNN
@testable import GradShell
import XCTest

/// compare, try, diagnose, lr_find, explain and gradients on constructed cases with known answers.
final class ExperimentTests: XCTestCase {
    func session(_ lines: [String]) -> Session {
        let s = Session(seed: 7, sessionsDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("gl-\(UUID())").path)
        for l in lines {
            let c = s.run(l)
            XCTAssertFalse(c.failed, "\(l): \(c.output)")
        }
        return s
    }

    func deepSigmoid(_ depth: Int = 20, init initializer: String = "glorot_uniform", activation: String = "sigmoid") -> [String] {
        ["data moons n=400 validation=100", "model new"] +
            Array(repeating: "add dense 16 activation=\(activation) kernel_initializer=\(initializer)", count: depth) +
            ["add dense 2 activation=softmax", "compile optimizer=sgd(learning_rate=0.01)"]
    }

    func testTwentyLayerSigmoidNetIsFlaggedVanishingAndHeEluIsNot() {
        let s = session(deepSigmoid())
        let g = s.run("gradients").output
        XCTAssertTrue(g.contains("verdict: vanishing gradients"), g)
        XCTAssertTrue(s.run("diagnose").output.contains("vanishing gradients"))
        let fixed = session(deepSigmoid(init: "he_normal", activation: "elu"))
        let h = fixed.run("gradients").output
        XCTAssertTrue(h.contains("verdict: gradients flow"), h)
    }

    func testHugeWeightsAreFlaggedExploding() {
        let s = session(["data moons n=200", "model new",
                         "add dense 16 activation=linear kernel_initializer=random_normal(stddev=30)",
                         "add dense 16 activation=linear kernel_initializer=random_normal(stddev=30)",
                         "add dense 2 activation=linear kernel_initializer=random_normal(stddev=30)",
                         "compile loss=mean_squared_error optimizer=sgd"])
        XCTAssertTrue(s.run("gradients").output.contains("exploding"))
    }

    func testDeadReluFractionIsOneForALayerForcedNegative() {
        let s = session(["data moons n=200", "model new", "add dense 8 activation=relu kernel_initializer=zeros bias_initializer=constant(-1)",
                         "add dense 2 activation=softmax"])
        let a = s.run("activations").output
        XCTAssertTrue(a.contains("100.0%"), a)
        XCTAssertTrue(s.run("expect dead_fraction 0 == 1").output.hasPrefix("✓"))
    }

    func testTryHeEluRaisesTheFirstLayersGradient() {
        let s = session(deepSigmoid())
        let out = s.run("try kernel_initializer=he_normal activation=elu epochs=1").output
        let ratio = out.split(separator: "\n").first { $0.hasPrefix("first/last ratio") }!.split(separator: " ").suffix(2).compactMap { Double($0) }
        XCTAssertEqual(ratio.count, 2, out)
        XCTAssertGreaterThan(ratio[1], 100 * ratio[0], out)
    }

    func testCompareVariantsStartFromIdenticalWeights() throws {
        let s = session(deepSigmoid(3, init: "he_normal", activation: "relu"))
        let base = s.model!
        let a = try CompareCommand.variant(of: base, changes: [.optimizer(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-7), nil, Clipping())], inputShape: [2], seed: 5)
        let b = try CompareCommand.variant(of: base, changes: [.learningRate(0.1)], inputShape: [2], seed: 5)
        XCTAssertEqual(a.parameters.map { $0.value.array }, b.parameters.map { $0.value.array })
        let out = s.run("compare optimizer=sgd,adam epochs=1").output
        XCTAssertTrue(out.contains("optimizer=sgd") && out.contains("optimizer=adam") && out.contains("val_loss per epoch"), out)
        XCTAssertTrue(s.model === base, "compare leaves the model alone")
    }

    func testExplainBnPrintsTheUpdateAndChangesNothing() throws {
        let s = session(["data moons n=200", "model new", "add dense 4 activation=relu", "add batchnorm", "add dense 2 activation=softmax",
                         "compile optimizer=sgd"])
        let bn = s.model!.layers[1] as! BatchNormalization
        let before = bn.movingMean.value.array
        let out = s.run("explain bn units=1").output
        XCTAssertEqual(bn.movingMean.value.array, before)
        // Recompute the batch statistics independently and check the printed update.
        let line = try XCTUnwrap(out.split(separator: "\n").first { $0.contains("moving_mean ←") })
        let printed = Double(line.split(separator: "=").last!.trimmingCharacters(in: .whitespaces))!
        let mu = Double(try XCTUnwrap(out.split(separator: "\n").first { $0.contains("batch mean μ") }).split(separator: "=")[1].split(separator: ",")[0].trimmingCharacters(in: .whitespaces))!
        XCTAssertEqual(printed, 0.99 * Double(before[0]) + 0.01 * mu, accuracy: 1e-4)
    }

    func testLRFindLeavesWeightsBitIdentical() {
        let s = session(deepSigmoid(2, init: "he_normal", activation: "relu"))
        let before = s.model!.parameters.map { $0.value.array }
        let out = s.run("lr_find steps=60").output
        XCTAssertTrue(out.contains("suggested learning_rate"), out)
        XCTAssertEqual(s.model!.parameters.map { $0.value.array }, before)
        XCTAssertEqual(s.model!.optimizer!.iterations, 0)
    }

    func testHighLearningRateTriggersTheRecorderAndLeavesFiniteWeights() {
        let s = session(["data moons n=300", "model new", "add dense 16 activation=linear", "add dense 16 activation=linear",
                         "add dense 2 activation=softmax", "compile optimizer=sgd(learning_rate=10000, momentum=0.9)"])
        let c = s.run("fit epochs=2 batch_size=10")
        XCTAssertFalse(c.failed, "divergence is reported, not an error: the model is consistent")
        XCTAssertTrue(c.output.contains("the first was"), c.output)
        XCTAssertTrue(s.model!.parameters.allSatisfy { $0.value.isFinite })
        XCTAssertTrue(s.run("evaluate test").output.contains("accuracy"))
    }

    func testPretrainLayerwiseReducesReconstructionError() {
        let s = session(["data moons n=400", "model new", "add dense 8 activation=elu", "add dense 8 activation=elu", "add dense 2 activation=softmax"])
        let out = s.run("pretrain layerwise epochs=3").output
        XCTAssertTrue(out.contains("pretrained 2 hidden layers"), out)
    }
}
