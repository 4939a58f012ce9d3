import GradNN
import XCTest

@testable import GradShell

final class AddCommandTests: XCTestCase {
    /// `[5] ` is the prompt; a layer must not look like a cell number.
    func testLayersAreLabelledLayerNotBracketed() {
        let s = Session()
        s.run("data moons n=200")
        s.run("model new")
        XCTAssertEqual(s.run("add dense 16 activation=relu").output, "layer 0: dense (Dense) → (None, 16), 48 params")
        XCTAssertEqual(
            s.run("add dense 2 activation=softmax").output, "layer 1: dense_1 (Dense) → (None, 2), 34 params")
        let unbuilt = Session()
        unbuilt.run("model new")
        XCTAssertEqual(unbuilt.run("add flatten").output, "layer 0: flatten (Flatten)")
        for l in ["summary", "vars 0", "gradients"] {
            XCTAssertNil(s.run(l).output.range(of: #"(?m)^\s*\[\d+\]"#, options: .regularExpression), l)
        }
    }
}

final class AddBlockTests: XCTestCase {
    /// The chapter's exercise network: 20 × (Dense + BN + activation) in one line, all or nothing.
    func testABlockRepeatsItsLayersInOrderAndUndoesAsOne() {
        let s = Session()
        s.run("data moons n=100")
        s.run("model new")
        let r = s.run(#"add block "dense 8 kernel_initializer=he_normal use_bias=false | batchnorm | activation elu" repeat=5"#)
        XCTAssertFalse(r.failed, r.output)
        let m = s.model!
        XCTAssertEqual(m.layers.count, 15)
        XCTAssertEqual(m.layers.map(\.typeName), Array(repeating: ["Dense", "BatchNormalization", "Activation"], count: 5).flatMap { $0 })
        XCTAssertEqual((m.layers[3] as? Dense)?.kernelInitializer, Initializer.named("he_normal"))
        XCTAssertEqual((m.layers[3] as? Dense)?.useBias, false)
        XCTAssertTrue(r.output.contains("… and 4 more repetitions: layers 0–14"), r.output)
        XCTAssertTrue(s.run("undo").output.contains("15 layers"))
        XCTAssertEqual(m.layers.count, 0)
    }

    func testABadLayerInABlockAddsNothing() {
        let s = Session()
        s.run("model new")
        s.run("add dense 4")
        for bad in [#"add block "dense 8 | batchnormz""#, #"add block "dense 8 | dense units=x""#, #"add block "dense 8 |""#, #"add block "dense 8 | block x""#] {
            let r = s.run(bad)
            XCTAssertTrue(r.failed, bad)
            XCTAssertTrue(r.output.contains("add block, layer 2"), r.output)
            XCTAssertEqual(s.model?.layers.count, 1, bad)
        }
    }
}
