import Foundation
import GradTensor
import XCTest

@testable import GradNN

final class CSVLoggerTests: XCTestCase {
    var dir = ""

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-csv-\(UUID().uuidString)").path
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func model(validation: Bool) throws -> (Sequential, Dataset) {
        var rng = RandomGenerator(seed: 3)
        var d = try Synthetic.moons.generate(n: 200, noise: 0.1, rng: &rng)
        if validation { d = try d.withValidation(last: 40) }
        let m = Sequential()
        try m.add(Dense(units: 4, activation: .relu), rng: &rng)
        try m.add(Dense(units: 2, activation: .softmax), rng: &rng)
        try m.build(inputShape: [2], rng: &rng)
        m.loss = .sparseCategoricalCrossentropy
        m.optimizer = Optimizer(rule: SGD(), learningRate: 0.01)
        return (m, d)
    }

    func testRowsAreTheHistoryUnderKerasSortedHeader() throws {
        let (m, d) = try model(validation: true)
        let path = dir + "/log.csv"
        var rng = RandomGenerator(seed: 1)
        _ = m.fit(
            train: d.train, validation: d.validation,
            options: FitOptions(epochs: 3, callbacks: [CSVLogger(path: path)]), rng: &rng)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss")
        XCTAssertEqual(lines.count, 4)
        for (i, e) in m.history.epochs.enumerated() {
            XCTAssertEqual(
                lines[i + 1], "\(i),\(e.accuracy),\(e.learningRate),\(e.loss),\(e.valAccuracy!),\(e.valLoss!)")
        }
        XCTAssertTrue(
            lines[1].contains(",0.009999999776482582,"), "the learning rate as Keras logs a float32 0.01: \(lines[1])")

        // A second fit without append starts the file again; with append it adds rows and no header.
        _ = m.fit(
            train: d.train, validation: d.validation,
            options: FitOptions(epochs: 1, callbacks: [CSVLogger(path: path, append: true)]), rng: &rng)
        let appended = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(appended.count, 5)
        XCTAssertTrue(appended[4].hasPrefix("3,"), "epochs count on through the history")
        _ = m.fit(
            train: d.train, validation: d.validation,
            options: FitOptions(epochs: 1, callbacks: [CSVLogger(path: path)]), rng: &rng)
        let fresh = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(fresh.count, 2)
    }

    func testWithoutValidationTheHeaderHasNoValidationColumns() throws {
        let (m, d) = try model(validation: false)
        let path = dir + "/semi;colon.csv"
        var rng = RandomGenerator(seed: 1)
        _ = m.fit(
            train: d.train, validation: nil,
            options: FitOptions(epochs: 1, callbacks: [CSVLogger(path: path, separator: ";")]), rng: &rng)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first, "epoch;accuracy;learning_rate;loss")
        XCTAssertEqual(lines.count, 2)
    }

    func testPythonFloatFormatting() {
        XCTAssertEqual(CSVLogger.format(0.5), "0.5")
        XCTAssertEqual(CSVLogger.format(1e-05), "1e-05")
        XCTAssertEqual(CSVLogger.format(.nan), "nan")
        XCTAssertEqual(CSVLogger.format(-.infinity), "-inf")
    }
}
