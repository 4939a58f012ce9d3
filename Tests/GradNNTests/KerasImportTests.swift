import Foundation
@testable import GradNN
import GradTensor
import XCTest

final class KerasImportTests: XCTestCase {
    func testKerasImportOfAHandWrittenConfig() throws {
        let config = """
        {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
          {"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "input_layer"}},
          {"class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "relu", "use_bias": true,
            "kernel_initializer": {"class_name": "HeNormal", "config": {"seed": null}}, "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.01}}}},
          {"class_name": "Softmax", "config": {"name": "softmax", "axis": -1}}]}}
        """
        let kernel = Tensor(shape: [3, 2], values: [1, 0, 0, 1, 1, 1]), bias = Tensor(shape: [2], values: [0, -10])
        let w = try SafeTensors.encode([("sequential/dense/kernel", kernel), ("sequential/dense/bias", bias)])
        let m = try KerasImport.load(config: Data(config.utf8), weights: w)
        XCTAssertEqual(m.inputShape, [3])
        XCTAssertEqual((m.layers[0] as? Dense)?.kernelInitializer, Initializer.named("he_normal"))
        XCTAssertEqual((m.layers[0] as? Dense)?.kernel.regularizer, Regularizer(l2: 0.01))
        var rng = RandomGenerator(seed: 0)
        let y = m(Tensor(shape: [1, 3], values: [1, 2, 3]), mode: .inference, rng: &rng)
        // relu([1+3, 2+3-10]) = [4, 0] → softmax
        XCTAssertEqual(y[0], 1 / (1 + expf(-4)), accuracy: 1e-6)
        XCTAssertThrowsError(try KerasImport.load(config: Data(config.replacingOccurrences(of: "\"Softmax\"", with: "\"Conv2D\"").utf8), weights: w)) {
            XCTAssertTrue("\($0)".contains("layer 2 'softmax' (Conv2D) cannot be imported"), "\($0)")
        }
        XCTAssertThrowsError(try KerasImport.load(config: Data(config.replacingOccurrences(of: "\"relu\"", with: "\"gelux\"").utf8), weights: w)) {
            XCTAssertTrue("\($0)".contains("activation 'gelux'"), "\($0)")
        }
        let partial = try SafeTensors.encode([("sequential/dense/kernel", kernel)])
        XCTAssertThrowsError(try KerasImport.load(config: Data(config.utf8), weights: partial)) {
            XCTAssertTrue("\($0)".contains("no tensor for dense/bias"), "\($0)")
        }
        let functional = #"{"class_name": "Functional", "config": {"layers": []}}"#
        XCTAssertThrowsError(try KerasImport.load(config: Data(functional.utf8), weights: w)) { XCTAssertTrue("\($0)".contains("Sequential")) }
    }
}
