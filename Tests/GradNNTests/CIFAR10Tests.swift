import Foundation
import GradNN
import TestSupport
import XCTest

/// `CIFAR10.load` on files in the exact binary format (generated: the real
/// data cannot be downloaded here).
final class CIFAR10Tests: TemporaryDirectoryTestCase {
    func testImagesAreChannelsLastInBatchOrder() throws {
        let folder = try CIFARFiles.write(to: dir, perFile: 4)
        let d = try CIFAR10.load(path: folder)
        XCTAssertEqual(d.sampleShape, [32, 32, 3])
        XCTAssertEqual(d.train.count, 20)
        XCTAssertEqual(d.test?.count, 4)
        XCTAssertEqual(d.classNames.first, "airplane")
        XCTAssertEqual(d.classNames.last, "truck")
        // Training image 9 is image 1 of data_batch_3.bin (4 per file).
        let (file, i) = (3, 1)
        let l = CIFARFiles.label(file: file, image: i)
        XCTAssertEqual(d.train.target(9), Float(l))
        for (r, c, ch) in [(0, 0, 0), (5, 17, 1), (31, 2, 2), (31, 31, 1)] {
            let expected = Float(CIFARFiles.pixel(file: file, image: i, row: r, column: c, channel: ch, label: l)) * (1 / 255)
            XCTAssertEqual(d.train.storage.value(sample: 9, feature: (r * 32 + c) * 3 + ch), expected, "row \(r) column \(c) channel \(ch)")
        }
        let t = try XCTUnwrap(d.test)
        XCTAssertEqual(t.target(2), Float(CIFARFiles.label(file: 0, image: 2)))
    }

    func testArchiveAndFolderGiveTheSameSamples() throws {
        try CIFARFiles.write(to: dir, perFile: 3)
        let fromFolder = try CIFAR10.load(path: dir)
        let fromArchive = try CIFAR10.load(path: CIFARFiles.archive(dir))
        guard case .bytes(let a) = fromFolder.train.storage.features, case .bytes(let b) = fromArchive.train.storage.features else {
            return XCTFail("CIFAR-10 pixels are kept as bytes")
        }
        XCTAssertEqual(a, b)
        XCTAssertEqual(fromFolder.train.storage.targets, fromArchive.train.storage.targets)
        // The parent folder of the archive is found too, once the unpacked folder is gone.
        try FileManager.default.removeItem(atPath: dir + "/cifar-10-batches-bin")
        XCTAssertEqual(try CIFAR10.load(path: dir).train.count, 15)
    }

    func testBadFilesAreRefusedWithTheReason() throws {
        let folder = try CIFARFiles.write(to: dir, perFile: 2)
        func message(_ path: String) -> String {
            do { _ = try CIFAR10.load(path: path); return "loaded" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(dir + "/nothing").contains("https://www.cs.toronto.edu/~kriz/cifar.html"))
        XCTAssertTrue(message(NSTemporaryDirectory()).contains("CIFAR-10 is not in"))
        // A record cut short.
        let batch = folder + "/data_batch_2.bin"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: batch))
        try bytes.dropLast().write(to: URL(fileURLWithPath: batch))
        XCTAssertTrue(message(folder).contains("not a whole number of 3073-byte CIFAR-10 records"), message(folder))
        // A label outside 0…9.
        bytes[3073] = 10
        try bytes.write(to: URL(fileURLWithPath: batch))
        XCTAssertTrue(message(folder).contains("record 1 has label 10"), message(folder))
        // A missing batch.
        try FileManager.default.removeItem(atPath: batch)
        XCTAssertTrue(message(folder).contains("no readable data_batch_2.bin"), message(folder))
        // Not a tar archive.
        try Data("hello".utf8).write(to: URL(fileURLWithPath: dir + "/x.tar.gz"))
        XCTAssertFalse(message(dir + "/x.tar.gz") == "loaded")
    }

    func testValidationFromTheStartAndRawPixels() throws {
        let folder = try CIFARFiles.write(to: dir, perFile: 4)
        let d = try CIFAR10.load(path: folder).keepingRawPixels().withValidation(first: 5)
        XCTAssertEqual(d.validation?.range, 0..<5)
        XCTAssertEqual(d.train.range, 5..<20)
        let l = CIFARFiles.label(file: 1, image: 0)
        XCTAssertEqual(d.validation?.storage.value(sample: 0, feature: 0), Float(CIFARFiles.pixel(file: 1, image: 0, row: 0, column: 0, channel: 0, label: l)))
    }
}
