import Foundation
import GradTensor
import TestSupport
import XCTest

@testable import GradNN

final class NPYTests: TemporaryDirectoryTestCase {
    func testNPYReadsWhatNumpyWritesAndRefusesLyingHeaders() throws {
        let f = NPY.encode(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try NPY.parse(f, name: "f"), NPY.Array(shape: [2, 3], values: .float32([1, 2, 3, 4, 5, 6])))
        let b = NPY.encode(shape: [4], bytes: [0, 1, 254, 255])
        try b.write(to: URL(fileURLWithPath: dir + "/b.npy"))
        XCTAssertEqual(try NPY.load(path: dir + "/b.npy"), NPY.Array(shape: [4], values: .uint8([0, 1, 254, 255])))
        XCTAssertThrowsError(try NPY.parse(Data("not numpy".utf8), name: "x")) { XCTAssertTrue("\($0)".contains("not a .npy file")) }
        // int64 labels, Fortran order, version 2, big-endian refusal, by hand.
        func file(_ descr: String, _ shape: String, fortran: Bool = false, version: UInt8 = 1, _ body: [UInt8]) -> Data {
            var h = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
            let pre = version == 1 ? 10 : 12
            while (pre + h.utf8.count + 1) % 64 != 0 { h += " " }
            h += "\n"
            var d = Data([0x93] + Array("NUMPY".utf8) + [version, 0])
            let n = h.utf8.count
            d.append(contentsOf: version == 1 ? [UInt8(n & 255), UInt8(n >> 8)] : [UInt8(n & 255), UInt8(n >> 8), 0, 0])
            d.append(contentsOf: Array(h.utf8))
            d.append(contentsOf: body)
            return d
        }
        // A header claiming a billion rows is refused from the file size, before reading.
        try file("<f4", "(99999999, 3)", [UInt8](repeating: 0, count: 24)).write(to: URL(fileURLWithPath: dir + "/lying.npy"))
        XCTAssertThrowsError(try NPY.load(path: dir + "/lying.npy")) { e in
            XCTAssertTrue("\(e)".contains("claims shape (99999999, 3) of <f4 = 1199999988 bytes but holds 24"), "\(e)")
        }
        var labels: [UInt8] = []
        for v: Int64 in [3, 0, 9] { withUnsafeBytes(of: v.littleEndian) { labels += $0 } }
        XCTAssertEqual(try NPY.parse(file("<i8", "(3,)", labels), name: "y").values, .float32([3, 0, 9]))
        XCTAssertEqual(try NPY.parse(file("|u1", "(2, 3)", fortran: true, version: 2, [1, 4, 2, 5, 3, 6]), name: "f").values, .uint8([1, 2, 3, 4, 5, 6]))
        XCTAssertThrowsError(try NPY.parse(file(">f4", "(1,)", [0, 0, 0, 0]), name: "be")) { XCTAssertTrue("\($0)".contains("big-endian")) }
        XCTAssertThrowsError(try NPY.parse(file("<c8", "(1,)", [UInt8](repeating: 0, count: 8)), name: "c")) { XCTAssertTrue("\($0)".contains("supported")) }
        var nan: [UInt8] = []
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { nan += $0 }
        XCTAssertThrowsError(try NPY.parse(file("<f4", "(1,)", nan), name: "n")) { XCTAssertTrue("\($0)".contains("finite")) }
        // A data set: pixels stay bytes (scaled at gather time), labels give the classes.
        let x = NPY.Array(shape: [2, 2, 2], values: .uint8([0, 255, 0, 255, 255, 0, 255, 0]))
        let d = try NPY.dataset(x: x, y: NPY.Array(shape: [2], values: .float32([0, 2])), name: "mine")
        XCTAssertEqual(d.sampleShape, [2, 2])
        XCTAssertEqual(d.classCount, 3)
        XCTAssertEqual(d.train.storage.value(sample: 0, feature: 1), 1)
        XCTAssertThrowsError(try NPY.dataset(x: x, y: NPY.Array(shape: [3], values: .float32([0, 1, 2])), name: "bad")) {
            XCTAssertTrue("\($0)".contains("2 samples but 3 targets"), "\($0)")
        }
    }
}
