import Foundation
import GradTensor
import XCTest

@testable import GradNN

/// TFRecord framing, the hand-written protobuf, and the files the TensorBoard callback leaves.
final class TensorBoardTests: XCTestCase {
    var dir = ""

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-tb-\(UUID().uuidString)").path
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testCRC32CKnownVectors() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283, "the standard check value of CRC-32C")
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        XCTAssertEqual(
            CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA, "RFC 3720 B.4: 32 bytes of zeros")
        let c = CRC32C.checksum(Array("123456789".utf8))
        XCTAssertEqual(CRC32C.masked(Array("123456789".utf8)), ((c >> 15) | (c << 17)) &+ 0xA282_EAD8)
    }

    func testProtobufWireFormat() {
        var w = ProtobufWriter()
        w.int64(2, 300)
        XCTAssertEqual(w.bytes, [0x10, 0xAC, 0x02], "the protobuf guide's varint example")
        w = ProtobufWriter()
        w.string(1, "ab")
        w.float(2, 1)
        XCTAssertEqual(w.bytes, [0x0A, 2, 0x61, 0x62, 0x15, 0x00, 0x00, 0x80, 0x3F])
        w = ProtobufWriter()
        w.packedDoubles(6, [1])
        XCTAssertEqual(w.bytes, [0x32, 8, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
    }

    func testRecordFraming() {
        let data: [UInt8] = Array("hello".utf8)
        let r = EventFileWriter.record(data)
        XCTAssertEqual(r.count, 8 + 4 + 5 + 4)
        XCTAssertEqual(Array(r[0..<8]), [5, 0, 0, 0, 0, 0, 0, 0], "uint64 length, little-endian")
        XCTAssertEqual(le32(r, 8), CRC32C.masked(r[0..<8]), "masked CRC of the length bytes")
        XCTAssertEqual(Array(r[12..<17]), data)
        XCTAssertEqual(le32(r, 17), CRC32C.masked(data), "masked CRC of the data")
    }

    func testFitWritesTrainAndValidationEventFiles() throws {
        var rng = RandomGenerator(seed: 1)
        let (m, d) = try smallMoonsModel(n: 200, validation: 40, hidden: 4, rule: SGD(), learningRate: 0.1, rng: &rng)
        let tb = TensorBoard(logDir: dir, histogramFreq: 1, updateFreq: .steps(2))
        try tb.open()
        _ = m.fit(
            train: d.train, validation: d.validation, options: FitOptions(epochs: 2, batchSize: 32, callbacks: [tb]),
            rng: &rng)

        let train = try records(in: dir + "/train")
        XCTAssertTrue(contains(train[0].data, "brain.Event:2"), "the first record names the file version")
        for r in train { XCTAssertTrue(r.crcOK, "every record's checksums hold") }
        let payloads = train.map(\.data)
        XCTAssertEqual(payloads.filter { contains($0, "epoch_loss") }.count, 2)
        XCTAssertEqual(
            payloads.filter { contains($0, "batch_loss") }.count, 5 * 2 / 2,
            "160 samples / 32 = 5 steps an epoch, every 2nd step")
        XCTAssertEqual(payloads.filter { contains($0, "dense/kernel/histogram") }.count, 2)
        XCTAssertEqual(payloads.filter { contains($0, "dense_1/bias/histogram") }.count, 2)
        let validation = try records(in: dir + "/validation")
        XCTAssertEqual(validation.map(\.data).filter { contains($0, "epoch_accuracy") }.count, 2)
    }

    func testUnwritableLogDirIsAnErrorAtOpen() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/file", contents: Data("x".utf8))
        XCTAssertThrowsError(try TensorBoard(logDir: dir + "/file/logs").open())
    }

    // MARK: - reading records back

    private func le32(_ b: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[at + $1]) << (8 * $1) }
    }

    private func contains(_ data: [UInt8], _ s: String) -> Bool {
        let needle = Array(s.utf8)
        guard data.count >= needle.count else { return false }
        return (0...(data.count - needle.count)).contains { Array(data[$0..<$0 + needle.count]) == needle }
    }

    private func records(in folder: String) throws -> [(data: [UInt8], crcOK: Bool)] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
            $0.hasPrefix("events.out.tfevents.")
        }
        XCTAssertEqual(files.count, 1)
        XCTAssertTrue(files[0].hasSuffix(".v2"))
        let b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + files[0])))
        var out: [(data: [UInt8], crcOK: Bool)] = []
        var i = 0
        while i + 12 <= b.count {
            let n = Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(b[i + $1]) << (8 * UInt64($1)) })
            let data = Array(b[i + 12..<i + 12 + n])
            out.append(
                (data, le32(b, i + 8) == CRC32C.masked(b[i..<i + 8]) && le32(b, i + 12 + n) == CRC32C.masked(data)))
            i += 12 + n + 4
        }
        XCTAssertEqual(i, b.count, "the file ends on a record boundary")
        return out
    }
}
