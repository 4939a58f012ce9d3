import Foundation
import XCTest

@testable import GradShell

/// `PythonWriter` and `PythonLiteral`: indentation, sections, and literals
/// that Python reads back as the same values (checked with `python3` when
/// one is on the PATH).
final class PythonWriterTests: XCTestCase {
    func testBlocksAreIndentedAndEmptyLinesStayEmpty() {
        var w = PythonWriter()
        w.write("def f(x):")
        w.indented { w in
            w.write(
                """
                if x:

                    return 1
                """)
            w.indented { $0.write(lines: ["a = 1", "b = 2"]) }
        }
        w.blank(2)
        w.write("f(1)")
        XCTAssertEqual(w.text, "def f(x):\n    if x:\n\n        return 1\n        a = 1\n        b = 2\n\n\nf(1)\n")
        XCTAssertEqual(w.level, 0)
    }

    func testSectionsAreRuledTo79Columns() {
        var w = PythonWriter()
        w.write("x = 1")
        w.section("trained weights")
        XCTAssertEqual(w.text, "x = 1\n\n\n# --- trained weights " + String(repeating: "-", count: 57) + "\n")
        for title in ["data", "model", "compile", "training"] { XCTAssertEqual(PythonWriter.ruler(title).count, 79) }
    }

    func testLiterals() {
        XCTAssertEqual(Float(0.1).py, "0.1")
        XCTAssertEqual(Float(1e-7).py, "1e-07")
        XCTAssertEqual(Float(0.99).py, "0.99")
        XCTAssertEqual(Float(3).py, "3.0")
        XCTAssertEqual(Float.infinity.py, #"float("inf")"#)
        XCTAssertEqual((-Float.infinity).py, #"float("-inf")"#)
        XCTAssertEqual(Float.nan.py, #"float("nan")"#)
        XCTAssertEqual(true.py, "True")
        XCTAssertEqual(false.py, "False")
        XCTAssertEqual((nil as Float?).py, "None")
        XCTAssertEqual((2 as Int?).py, "2")
        XCTAssertEqual([Float(0.5), 0.25].py, "[0.5, 0.25]")
        XCTAssertEqual(["train", "test"].py, #"["train", "test"]"#)
        XCTAssertEqual(PythonWriter.tuple([2]), "(2,)")
        XCTAssertEqual(PythonWriter.tuple([28, 28]), "(28, 28)")
        XCTAssertEqual(PythonWriter.tuple([]), "()")
        XCTAssertEqual(#"say "hi"\now"#.py, #""say \"hi\"\\now""#)
        XCTAssertEqual("a\nb\tc\r\u{1}".py, #""a\nb\tc\r\x01""#)
        XCTAssertEqual("Größe ε".py, "\"Größe ε\"")
    }

    func testIdentifiers() {
        XCTAssertTrue(PythonWriter.isIdentifier("dense_1"))
        XCTAssertTrue(PythonWriter.isIdentifier("_x"))
        XCTAssertFalse(PythonWriter.isIdentifier("1dense"))
        XCTAssertFalse(PythonWriter.isIdentifier("my-layer"))
        XCTAssertFalse(PythonWriter.isIdentifier("lambda"))
        XCTAssertFalse(PythonWriter.isIdentifier("größe"))
        XCTAssertFalse(PythonWriter.isIdentifier(""))
    }

    /// Python reads every float literal back as the same float32, and every
    /// string literal back as the same string.
    func testPythonReadsTheLiteralsBack() throws {
        guard let python = ExportSnapshotTests.python3 else { throw XCTSkip("no python3 on the PATH") }
        var floats: [Float] = [
            0.1, 1e-7, 0.99, 1 / 3, 0.001, 1e-45, .leastNormalMagnitude, .greatestFiniteMagnitude,
            -0.0, 255, .infinity, -.infinity, 0.87962566,
        ]
        var g = SystemRandomNumberGenerator()
        for _ in 0..<200 { floats.append(Float(bitPattern: UInt32.random(in: 0..<0x7F80_0000, using: &g))) }
        let strings = [
            "plain", #"quote " and \ backslash"#, "new\nline\ttab\r", "\u{1}\u{7F}", "ε·ρ — ünïcode", "'single'",
        ]
        let program = """
            import json, math, struct
            floats = [\(floats.map(\.py).joined(separator: ", ")), \(Float.nan.py)]
            strings = [\(strings.map(\.py).joined(separator: ", "))]
            print(json.dumps({"bits": [struct.unpack("<I", struct.pack("<f", v))[0] for v in floats[:-1]],
                              "nan": math.isnan(floats[-1]), "strings": strings}))
            """
        let r = ExportScriptTests.run(python, ["-c", program], timeout: 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        XCTAssertEqual(json["bits"] as? [UInt32], floats.map(\.bitPattern))
        XCTAssertEqual(json["nan"] as? Bool, true)
        XCTAssertEqual(json["strings"] as? [String], strings)
    }
}
