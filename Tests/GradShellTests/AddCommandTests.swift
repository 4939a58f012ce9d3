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
