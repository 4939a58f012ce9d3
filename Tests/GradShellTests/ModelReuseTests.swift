import Foundation
import GradNN
import XCTest

@testable import GradShell

/// `model reuse current`: the book's clone_model + set_weights (cell 37),
/// without a round trip through a saved folder.
final class ModelReuseTests: XCTestCase {
    func testReuseCurrentCopiesTheLayersAndLeavesTheOriginalUntouched() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-reuse-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        for line in ["data moons n=300 validation=50", "model new", "add dense 8 activation=relu", "add dense 8 activation=relu",
                     "add dense 2 activation=softmax", "compile optimizer=sgd metrics=accuracy", "fit 2 verbose=0"] {
            let c = s.run(line)
            XCTAssertFalse(c.failed, "\(line) → \(c.output)")
        }
        let original = try XCTUnwrap(s.model)
        let kernel = original.layers[0].parameters[0].value.array
        let reuse = s.run("model reuse current layers=0..1 trainable=true")
        XCTAssertFalse(reuse.failed, reuse.output)
        XCTAssertTrue(reuse.output.contains("a copy of the current model"), reuse.output)
        let copy = try XCTUnwrap(s.model)
        XCTAssertFalse(copy === original)
        XCTAssertFalse(copy.layers[0] === original.layers[0], "copied, not shared")
        XCTAssertEqual(copy.layers[0].parameters[0].value.array, kernel, "with the same weights")
        for line in ["add dense 2 activation=softmax", "compile optimizer=sgd(learning_rate=0.1)", "fit 2 verbose=0"] {
            XCTAssertFalse(s.run(line).failed, line)
        }
        XCTAssertNotEqual(copy.layers[0].parameters[0].value.array, kernel, "the copy trained")
        XCTAssertEqual(original.layers[0].parameters[0].value.array, kernel, "the original did not")
        XCTAssertTrue(s.run("model reuse current layers=0..9").output.contains("the current model has layers 0…2"))
        // Layers that do not chain are refused, and the model stays as it was.
        let t = Session(seed: 42, sessionsDirectory: dir + "/sessions3")
        for line in ["data moons n=300 validation=50", "model new", "add dense 8 activation=relu", "add dense 6 activation=relu",
                     "add dense 2 activation=softmax", "compile optimizer=sgd", "fit 1 verbose=0"] {
            XCTAssertFalse(t.run(line).failed, line)
        }
        let before = t.model
        let gap = t.run("model reuse current layers=0,2")
        XCTAssertTrue(gap.failed)
        XCTAssertTrue(gap.output.contains("layer 2 was built for other inputs than layer 0's output (None, 8)"), gap.output)
        XCTAssertTrue(t.model === before)
        let empty = Session(seed: 1, sessionsDirectory: dir + "/sessions2")
        XCTAssertTrue(empty.run("model reuse current").output.contains("no current model"))
    }

    /// The book's mc_model (cells 112, 130): every Dropout becomes MCDropout,
    /// the weights and compile settings stay, and inference becomes stochastic.
    func testReuseCurrentWithMCTurnsDropoutIntoMCDropout() throws {
        let s = Session(seed: 42, sessionsDirectory: NSTemporaryDirectory() + "gradlab-reuse-mc-\(UUID().uuidString)")
        for line in ["data moons n=300 validation=100", "model new", "add dense 16 activation=relu", "add dropout 0.5",
                     "add dense 2 activation=softmax", "compile optimizer=sgd metrics=accuracy", "fit 2 verbose=0"] {
            XCTAssertFalse(s.run(line).failed, line)
        }
        let original = try XCTUnwrap(s.model)
        XCTAssertEqual(s.run("evaluate validation").output, s.run("evaluate validation").output, "plain dropout is off at inference")
        let r = s.run("model reuse current mc=true")
        XCTAssertFalse(r.failed, r.output)
        XCTAssertTrue(r.output.contains("with 1 dropout layer made MC"), r.output)
        let m = try XCTUnwrap(s.model)
        XCTAssertEqual(m.layers.map(\.typeName), ["Dense", "MCDropout", "Dense"])
        XCTAssertEqual((m.layers[1] as? MCDropout)?.rate, 0.5)
        XCTAssertEqual(m.layers[0].parameters[0].value.array, original.layers[0].parameters[0].value.array)
        XCTAssertTrue(m.isCompiled, "the whole model keeps its compile settings")
        XCTAssertTrue(m.layers.allSatisfy { !$0.isFrozen }, "trainable by default with mc=true")
        XCTAssertNotEqual(s.run("evaluate validation").output, s.run("evaluate validation").output, "MC dropout is on at inference")
    }
}
