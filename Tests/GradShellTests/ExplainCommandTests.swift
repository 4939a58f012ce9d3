import Foundation
import GradNN
@testable import GradShell
import GradTensor
import XCTest

/// `explain dropout|mc|optimizer|bn`: every number checked against one
/// computed here by other means (the dropout kernel called by hand, passes
/// run one by one, gradients and variances recomputed).
final class ExplainCommandTests: XCTestCase {
    func session(_ lines: [String]) -> Session {
        let s = Session(seed: 7, sessionsDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("gl-\(UUID())").path)
        for l in lines {
            let c = s.run(l)
            XCTAssertFalse(c.failed, "\(l): \(c.output)")
        }
        return s
    }

    /// The integers in the first line containing `marker`, in order.
    func numbers(in out: String, line marker: String) throws -> [Double] {
        let line = try XCTUnwrap(out.split(separator: "\n").first { $0.contains(marker) }, "no line with \(marker) in\n\(out)")
        return line.split(whereSeparator: { !"0123456789.-e".contains($0) }).compactMap { Double($0) }
    }

    func assertFits80(_ out: String, file: StaticString = #filePath, line: UInt = #line) {
        for l in out.split(separator: "\n") { XCTAssertLessThanOrEqual(l.count, 80, "too wide: \(l)", file: file, line: line) }
    }

    func testDropoutCountsTheMaskNotTheZerosThatWereAlready0() throws {
        let s = session(["data moons n=200", "model new", "add dense 16 activation=relu", "add dropout 0.2",
                         "add dense 2 activation=softmax", "compile optimizer=sgd"])
        let m = s.model!
        // By hand: the dense layer's output on the first 32 samples, then the
        // dropout kernel with the first key of the session's generator.
        var rng = s.rng
        let h = m.layers[0](s.data!.train.head(32).x, mode: .inference, rng: &rng).copy()
        let n = h.count
        let inputZeros = h.array.filter { $0 == 0 }.count
        // Dropout of all-ones: each unit's factor, 0 where dropped.
        let ones = Tensor(repeating: 1, shape: h.shape), mask = Tensor(zeros: h.shape)
        Vectorized.dropout(ones.data, mask.data, n, rate: 0.2, key: rng.next())
        let dropped = mask.array.filter { $0 == 0 }.count
        var zerosAfter = 0
        for k in 0..<n where h[k] * mask[k] == 0 { zerosAfter += 1 }
        XCTAssertGreaterThan(inputZeros, 0, "the setup must have ReLU zeros, or the test could not tell the two counts apart")
        XCTAssertNotEqual(zerosAfter, dropped)

        let out = s.run("explain dropout").output
        XCTAssertEqual(try numbers(in: out, line: "the mask dropped").prefix(3), [Double(dropped), Double(n), (1000 * Double(dropped) / Double(n)).rounded() / 10], out)
        XCTAssertEqual(try numbers(in: out, line: "already 0 before dropout").first, Double(inputZeros), out)
        XCTAssertEqual(try numbers(in: out, line: "zeros in all").first, Double(zerosAfter), out)
        XCTAssertTrue(out.contains("configured rate 0.2 = 20.0 %"), out)
        assertFits80(out)
        XCTAssertEqual(s.run("explain dropout").output, out, "explain draws nothing from the session's generator")
    }

    func testAlphaDropoutMaskIsCountedToo() throws {
        let s = session(["data moons n=200", "model new", "add dense 64 activation=selu kernel_initializer=lecun_normal",
                         "add alpha_dropout 0.5", "add dense 2 activation=softmax", "compile optimizer=sgd"])
        let out = s.run("explain dropout").output
        let v = try numbers(in: out, line: "the mask dropped")
        XCTAssertEqual(v[1], 2048, out)
        // 2048 draws at p = 0.5: within 5 standard deviations (±113) of 1024.
        XCTAssertEqual(v[0], 1024, accuracy: 113, out)
        XCTAssertFalse(out.contains("already 0"), "alpha dropout's zeros are not its drops")
        assertFits80(out)
    }

    func testMonteCarloExplainsPassesSpreadModesAndAccuracy() throws {
        let s = session(["data moons n=300 validation=50", "model new", "add dense 16 activation=relu", "add batchnorm", "add dropout 0.3",
                         "add dense 2 activation=softmax", "compile optimizer=sgd(learning_rate=0.1) metrics=accuracy", "fit epochs=3"])
        let m = s.model!, test = s.data!.test!
        let bn = m.layers[1] as! BatchNormalization
        let movingBefore = bn.movingMean.value.array
        // By hand: 40 passes over example 3 alone, in MC mode, one at a time.
        var rng = s.rng
        let x = Tensor(zeros: [1, test.featureCount])
        var t: Float = 0
        [3].withUnsafeBufferPointer { test.gather($0, into: x, targets: &t) }
        var p0: [Double] = []
        for _ in 0..<40 { p0.append(Double(m(x, mode: .monteCarlo, rng: &rng)[0])) }
        let mean = p0.reduce(0, +) / 40, std = (p0.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 40).squareRoot()
        let det = Double(m(x, mode: .inference, rng: &rng)[0])
        XCTAssertGreaterThan(std, 1e-3, "dropout must make the passes differ")

        let out = s.run("explain mc samples=40 index=3").output
        XCTAssertTrue(out.contains("40 stochastic passes"), out)
        XCTAssertTrue(out.contains("BatchNormalization") && out.contains("inference mode") && out.contains("monteCarlo"), out)
        XCTAssertTrue(out.contains("test example 3"), out)
        let row = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("0 ") }, out)
        let v = row.split(separator: " ").compactMap { Double($0) }
        XCTAssertEqual(v.count, 4, out)  // class 0, inference, MC mean, MC std
        XCTAssertEqual(v[1], det, accuracy: 1e-4)
        XCTAssertEqual(v[2], mean, accuracy: 1e-4)
        XCTAssertEqual(v[3], std, accuracy: 1e-4)
        XCTAssertEqual(bn.movingMean.value.array, movingBefore)
        XCTAssertTrue(out.contains("did not change"), out)
        XCTAssertNotEqual(out, s.run("explain dropout").output)

        // Accuracies: the deterministic one is `evaluate`'s; the MC one, once
        // `evaluate test mc` has run, is the number it printed.
        XCTAssertEqual(try numbers(in: out, line: "deterministic (inference mode)").last!, m.evaluate(test).accuracy, accuracy: 1e-4)
        XCTAssertTrue(out.contains("measured now"), out)
        let ev = s.run("evaluate test mc samples=17").output
        let printed = try numbers(in: ev, line: "mc accuracy").last!
        let again = s.run("explain mc samples=40 index=3").output
        XCTAssertTrue(again.contains("mean of 17 passes, from your last `evaluate test mc`"), again)
        XCTAssertEqual(try numbers(in: again, line: "MC Dropout (mean of").last!, printed, accuracy: 1e-9)
        let diff = try numbers(in: again, line: "MC − deterministic").last!
        XCTAssertEqual(diff, printed - m.evaluate(test).accuracy, accuracy: 1e-4)
        assertFits80(again)
    }

    func testOptimizerPicksTheEntryWithTheLargestGradientAndNamesIt() throws {
        let s = session(["data moons n=200", "model new", "add dense 8 activation=relu", "add dense 2 activation=softmax",
                         "compile optimizer=sgd(learning_rate=0.1)"])
        let m = s.model!
        let before = m.parameters.map { $0.value.array }
        // By hand: the gradients on the first 32 samples, and the largest |g| among the kernels.
        var rng = s.rng
        let (x, y) = s.data!.train.head(32)
        _ = y.withUnsafeBufferPointer { m.computeGradients(x, targets: $0.baseAddress!, rng: &rng) }
        var best: (layer: Int, r: Int, c: Int, g: Float, w: Float) = (0, 0, 0, 0, 0)
        for (li, l) in m.layers.enumerated() {
            let k = l.parameters.first { $0.name == "kernel" }!
            let cols = k.value.shape[1]
            for j in 0..<k.count where abs(k.gradient[j]) > abs(best.g) { best = (li, j / cols, j % cols, k.gradient[j], k.value[j]) }
        }
        XCTAssertNotEqual(best.g, 0)

        let out = s.run("explain optimizer").output
        let name = m.layers[best.layer].name
        XCTAssertTrue(out.contains("weight: layer \(best.layer) \(name), \(name)/kernel[\(best.r), \(best.c)]"), out)
        let wg = try numbers(in: out, line: "gradient g =")
        XCTAssertEqual(wg[0], Double(best.w), accuracy: 1e-5)
        XCTAssertEqual(wg[1], Double(best.g), accuracy: 1e-5 * max(1, abs(Double(best.g))))
        XCTAssertEqual(try numbers(in: out, line: "w ← w − lr·g").last!, Double(best.w - 0.1 * best.g), accuracy: 1e-5)
        XCTAssertEqual(try numbers(in: out, line: "gradlab's sgd step").last!, Double(best.w - 0.1 * best.g), accuracy: 1e-5)
        XCTAssertEqual(m.parameters.map { $0.value.array }, before, "explain changes no weight")
        XCTAssertEqual(m.optimizer!.iterations, 0)
        assertFits80(out)
    }

    func testAdamLineMatchesTheOptimizersOwnStep() throws {
        let s = session(["data moons n=200", "model new", "add dense 8 activation=relu", "add dense 2 activation=softmax",
                         "compile optimizer=adam(learning_rate=0.01)"])
        let out = s.run("explain optimizer").output
        let formula = try numbers(in: out, line: "w ← w − α·m/(√v + ε)").last!
        let real = try numbers(in: out, line: "gradlab's adam step").last!
        XCTAssertEqual(formula, real, accuracy: 1e-6, out)
        XCTAssertNotEqual(real, try numbers(in: out, line: "gradient g =")[0], "the step moves the weight")
    }

    func testBatchNormShowsTheUnitsWhoseInputVariesMost() throws {
        let s = session(["data moons n=200", "model new", "add dense 12 activation=relu", "add batchnorm", "add dense 2 activation=softmax",
                         "compile optimizer=sgd"])
        let m = s.model!
        var rng = s.rng
        let h = m.layers[0](s.data!.train.head(32).x, mode: .inference, rng: &rng)
        var variance: [Double] = []
        for u in 0..<h.columns {
            let col = (0..<h.rows).map { Double(h[$0, u]) }
            let mu = col.reduce(0, +) / Double(col.count)
            variance.append(col.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(col.count))
        }
        let top = (0..<h.columns).sorted { variance[$0] > variance[$1] }.prefix(3).sorted()
        let constant = variance.filter { $0 == 0 }.count
        let out = s.run("explain bn").output
        XCTAssertTrue(out.contains("units \(top.map(String.init).joined(separator: ", ")) of 12: the largest batch variance"), out)
        if constant > 0 { XCTAssertTrue(out.contains("\(constant) unit"), out) }
        for u in top {
            XCTAssertTrue(out.contains("unit \(u):"), out)
        }
        let printed = try numbers(in: out, line: "batch variance σ²")
        XCTAssertEqual(printed.last!, variance[top[0]], accuracy: 1e-4)
        XCTAssertGreaterThan(printed.last!, 0)
        assertFits80(out)
    }
}
