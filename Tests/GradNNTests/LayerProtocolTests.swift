import GradNN
import GradTensor
import XCTest

/// What the `Layer` protocol says of every layer kind, so that no list of
/// `is X` outside the layers has to: shapes without building, randomness,
/// sizes and renaming.
final class LayerProtocolTests: XCTestCase {
    /// One of each kind, with whether it draws random numbers when dropout is on.
    func everyKind() -> [(Layer, stochastic: Bool)] {
        [
            (Dense(units: 7), false), (Residual(Dense(units: 12), name: "res"), false), (Flatten(), false),
            (BatchNormalization(), false), (Dropout(rate: 0.3), true), (AlphaDropout(rate: 0.1), true),
            (ActivationLayer(.relu), false), (PReLU(), false), (try! RReLU(), true),
            (MCDropout(rate: 0.3), true), (MCAlphaDropout(rate: 0.1), true),
        ]
    }

    func testOutputShapeWithoutBuildingIsTheBuiltOne() throws {
        for (layer, _) in everyKind() {
            let input = layer is Flatten ? [3, 4] : [12]
            let predicted = try layer.outputShape(for: input)
            var rng = RandomGenerator(seed: 1)
            try layer.build(inputShape: input, rng: &rng)
            XCTAssertEqual(predicted, layer.outputShape, layer.typeName)
        }
        XCTAssertThrowsError(try Dense(units: 3).outputShape(for: [2, 2]))
        XCTAssertThrowsError(try Residual(Dense(units: 5)).outputShape(for: [4]))
    }

    func testStochasticLayersSayItAndMonteCarloDependsOnThem() {
        for (layer, stochastic) in everyKind() { XCTAssertEqual(layer.isStochastic, stochastic, layer.typeName) }
    }

    func testEstimatedBytesCoverEveryVariable() throws {
        for (layer, _) in everyKind() {
            let input = layer is Flatten ? [3, 4] : [12]
            let estimate = layer.estimatedBytes(inputShape: input)
            var rng = RandomGenerator(seed: 1)
            try layer.build(inputShape: input, rng: &rng)
            let trainable = layer.parameters.filter(\.isTrainableVariable).reduce(0) { $0 + $1.count }
            // value, gradient and up to two optimizer slots per trainable variable
            XCTAssertGreaterThanOrEqual(estimate, trainable * 4 * 4, layer.typeName)
        }
    }

    func testRenamingAResidualRenamesItsDenseLayerAfterIt() throws {
        let r = Residual(Dense(units: 4), name: "res")
        var rng = RandomGenerator(seed: 1)
        try r.build(inputShape: [4], rng: &rng)
        r.rename("skip")
        XCTAssertEqual(r.name, "skip")
        XCTAssertEqual(r.parameters.map(\.path), ["skip_dense/kernel", "skip_dense/bias"], "not skip/kernel")
        let d = Dense(units: 2, name: "dense")
        try d.build(inputShape: [3], rng: &rng)
        d.rename("top")
        XCTAssertEqual(d.parameters.map(\.path), ["top/kernel", "top/bias"])
    }
}
