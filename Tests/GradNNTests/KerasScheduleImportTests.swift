import Foundation
import XCTest

@testable import GradNN

/// Keras' schedule configs (as Keras 3's `get_config()` writes them, `name` and
/// null `warmup_target` included) are read by the same parser as `compile`.
final class KerasScheduleImportTests: XCTestCase {
    func schedule(_ className: String, _ json: String) throws -> LearningRateSchedule {
        let config = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        return try KerasImport.schedule(className: className, config: config)
    }

    func typed(_ text: String) throws -> LearningRateSchedule { try LearningRateSchedule(ComponentCall(parsing: text)) }

    func testEveryKerasScheduleReadsAsItsGradlabSpelling() throws {
        XCTAssertEqual(try schedule("ExponentialDecay", #"{"initial_learning_rate": 0.01, "decay_steps": 1000, "decay_rate": 0.1, "staircase": true, "name": "ExponentialDecay"}"#),
                       try typed("exponential_decay(0.01, decay_steps=1000, decay_rate=0.1, staircase=true)"))
        XCTAssertEqual(try schedule("InverseTimeDecay", #"{"initial_learning_rate": 0.01, "decay_steps": 10000, "decay_rate": 1.0, "staircase": false, "name": "InverseTimeDecay"}"#),
                       try typed("inverse_time_decay(0.01, decay_steps=10000, decay_rate=1)"))
        XCTAssertEqual(try schedule("PiecewiseConstantDecay", #"{"boundaries": [5, 15], "values": [0.01, 0.005, 0.001], "name": "PiecewiseConstantDecay"}"#),
                       try typed("piecewise_constant_decay(boundaries=[5, 15], values=[0.01, 0.005, 0.001])"))
        XCTAssertEqual(try schedule("CosineDecay", #"{"initial_learning_rate": 0.1, "decay_steps": 1000, "alpha": 0.0, "name": "CosineDecay", "warmup_target": null, "warmup_steps": 0}"#),
                       try typed("cosine_decay(0.1, decay_steps=1000)"))
        XCTAssertEqual(try schedule("CosineDecayRestarts", #"{"initial_learning_rate": 0.1, "first_decay_steps": 100, "t_mul": 2.0, "m_mul": 0.5, "alpha": 0.0, "name": "SGDR"}"#),
                       try typed("cosine_decay_restarts(0.1, first_decay_steps=100, m_mul=0.5)"))
        XCTAssertEqual(try schedule("PolynomialDecay", #"{"initial_learning_rate": 0.1, "decay_steps": 500, "end_learning_rate": 0.0001, "power": 2.0, "cycle": true, "name": "PolynomialDecay"}"#),
                       try typed("polynomial_decay(0.1, decay_steps=500, power=2, cycle=true)"))
    }

    func testBadConfigsAreRefusedByTheSameChecks() {
        func message(_ c: String, _ json: String) -> String {
            do { _ = try schedule(c, json); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("ExponentialDecay", #"{"initial_learning_rate": 0.01, "decay_steps": 0, "decay_rate": 0.1}"#).contains("decay_steps must be more than 0"))
        XCTAssertTrue(message("PiecewiseConstantDecay", #"{"boundaries": [5], "values": [0.01]}"#).contains("one more value than boundaries"))
        XCTAssertTrue(message("ExponentialDecay", #"{"initial_learning_rate": 0.01, "decay_steps": 10, "decay_rate": 0.1, "mystery": 1}"#) != "accepted")
        XCTAssertTrue(message("WarmUp", "{}").contains("WarmUp is not supported"))
    }
}
