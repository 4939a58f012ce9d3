import Foundation
@testable import GradNN
import GradTensor
import TestSupport
import XCTest

final class DataTests: XCTestCase {
    func idx(_ dims: [Int], payload: Int? = nil, type: UInt8 = 8) -> [UInt8] {
        var b: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for d in dims { b += [UInt8((d >> 24) & 255), UInt8((d >> 16) & 255), UInt8((d >> 8) & 255), UInt8(d & 255)] }
        b += [UInt8](repeating: 7, count: payload ?? dims.reduce(1, *))
        return b
    }

    func testIDXParsesAndRefusesLyingHeaders() throws {
        let a = try IDX.parse(idx([2, 3, 3]), name: "ok")
        XCTAssertEqual(a.dimensions, [2, 3, 3])
        XCTAssertEqual(a.bytes.count, 18)
        XCTAssertThrowsError(try IDX.parse(idx([2, 3, 3], payload: 17), name: "short")) { XCTAssertTrue("\($0)".contains("holds 17")) }
        XCTAssertThrowsError(try IDX.parse(idx([1_000_000, 1_000_000], payload: 10), name: "huge")) { XCTAssertTrue("\($0)".contains("limit")) }
        XCTAssertThrowsError(try IDX.parse([0, 0, 8], name: "tiny"))
        XCTAssertThrowsError(try IDX.parse([1, 2, 8, 1, 0, 0, 0, 1, 5], name: "magic"))
        XCTAssertThrowsError(try IDX.parse(idx([2], type: 0x0D), name: "float")) { XCTAssertTrue("\($0)".contains("0xd")) }
        XCTAssertThrowsError(try IDX.parse([0, 0, 8, 3, 0, 0], name: "cut"))
    }

    func testIDXLoadsGzippedFilesAndChecksCounts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-idx-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let img = dir.appendingPathComponent("img"), lab = dir.appendingPathComponent("lab")
        try Data(idx([3, 2, 2])).write(to: img)
        try Data(idx([3], payload: 0) + [1, 2, 0]).write(to: lab)
        // gzip the labels with the system gzip so the zlib path is exercised
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-kf", lab.path]
        try p.run(); p.waitUntilExit()
        let s = try IDX.load(images: img.path, labels: lab.path + ".gz")
        XCTAssertEqual(s.count, 3)
        XCTAssertEqual(s.sampleShape, [2, 2])
        XCTAssertEqual(s.targets, [1, 2, 0])
        XCTAssertEqual(s.value(sample: 0, feature: 0), 7 / 255, accuracy: 1e-7)
        try Data(idx([2], payload: 0) + [1, 2]).write(to: lab)
        XCTAssertThrowsError(try IDX.load(images: img.path, labels: lab.path)) { XCTAssertTrue("\($0)".contains("3 images but")) }
        XCTAssertThrowsError(try IDX.load(images: dir.path + "/nope", labels: lab.path)) { XCTAssertTrue("\($0)".contains("no such file")) }
        // a corrupt gzip stream
        var gz = try Data(contentsOf: URL(fileURLWithPath: lab.path + ".gz"))
        gz.replaceSubrange(12..<gz.count, with: [UInt8](repeating: 0xFF, count: gz.count - 12))
        try gz.write(to: URL(fileURLWithPath: lab.path + ".gz"))
        XCTAssertThrowsError(try IDX.load(images: img.path, labels: lab.path + ".gz"))
    }

    /// A header claiming more than the file can hold, even gzipped at DEFLATE's
    /// largest ratio, is refused before the payload is allocated (fuzz-idx: a
    /// 12-byte file claiming 65536×32768 made `IDX.read` allocate 2 GiB).
    func testIDXReadRefusesHeadersTheFileCannotHold() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-idxsize-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let huge = dir.appendingPathComponent("huge.idx"), gz = dir.appendingPathComponent("huge.idx.gz")
        try Data(idx([65536, 32768], payload: 0)).write(to: huge)
        XCTAssertThrowsError(try IDX.read(huge.path)) { XCTAssertTrue("\($0)".contains("the file has only 12 bytes"), "\($0)") }
        try Data(try gzipped(idx([65536, 32768], payload: 0), in: dir)).write(to: gz)
        XCTAssertThrowsError(try IDX.read(gz.path)) { XCTAssertTrue("\($0)".contains("the file has only"), "\($0)") }
        // A file that does hold its payload still reads, plain and gzipped.
        try Data(idx([4, 3])).write(to: huge)
        XCTAssertEqual(try IDX.read(huge.path).bytes.count, 12)
        try Data(try gzipped(idx([300, 28, 28]), in: dir)).write(to: gz)
        XCTAssertEqual(try IDX.read(gz.path).dimensions, [300, 28, 28])
    }

    /// `gzip -c` of some bytes, with the system gzip.
    func gzipped(_ bytes: [UInt8], in dir: URL) throws -> [UInt8] {
        let plain = dir.appendingPathComponent("plain-\(bytes.count)")
        try Data(bytes).write(to: plain)
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-c", plain.path]
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return [UInt8](data)
    }

    /// One gzip member is decompressed whole by libdeflate; two members, or a
    /// trailer that lies about the size, go to zlib's streaming path, which
    /// reads the first and refuses the second.
    func testIDXGzipWholeAndStreamedAgree() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-idxgz-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var file = idx([50, 28, 28])
        for i in 16..<file.count { file[i] = UInt8((i * 37 + i / 784) & 255) }
        let one = dir.appendingPathComponent("one.gz"), two = dir.appendingPathComponent("two.gz")
        let lying = dir.appendingPathComponent("lying.gz")
        try Data(try gzipped(file, in: dir)).write(to: one)
        try Data(try gzipped(Array(file[..<5000]), in: dir) + gzipped(Array(file[5000...]), in: dir)).write(to: two)
        var bad = try gzipped(file, in: dir)
        bad[bad.count - 4] ^= 1   // ISIZE, the trailer's size mod 2³²
        try Data(bad).write(to: lying)

        XCTAssertEqual(IDX.inflateWhole(one.path), file, "one member: the whole-file path")
        let a = try IDX.read(one.path)
        XCTAssertEqual(a.dimensions, [50, 28, 28])
        XCTAssertEqual(a.bytes, Array(file[16...]))

        XCTAssertNil(IDX.inflateWhole(two.path), "two members: streamed")
        let b = try IDX.read(two.path)
        XCTAssertEqual(b.dimensions, [50, 28, 28])
        XCTAssertEqual(b.bytes, Array(file[16...]))

        XCTAssertNil(IDX.inflateWhole(lying.path))
        XCTAssertThrowsError(try IDX.read(lying.path)) { XCTAssertTrue("\($0)".contains("corrupt"), "\($0)") }
    }

    func testCSVWithHeaderAndLabelColumn() throws {
        let d = try CSV.parse("a,b,label\n1,2,0\n3,4,1\n5,6,1\n", name: "t.csv", label: "label")
        XCTAssertEqual(d.train.count, 3)
        XCTAssertEqual(d.classCount, 2)
        XCTAssertEqual(d.sampleShape, [2])
        XCTAssertEqual(d.train.storage.value(sample: 1, feature: 1), 4)
        XCTAssertThrowsError(try CSV.parse("a,b\n1,2\n3\n", name: "t", label: nil)) { XCTAssertTrue("\($0)".contains("line 3")) }
        XCTAssertThrowsError(try CSV.parse("a,b\n1,x\n", name: "t", label: nil))
        XCTAssertThrowsError(try CSV.parse("a,b\n1,2\n", name: "t", label: "c")) { XCTAssertTrue("\($0)".contains("columns: a, b")) }
        XCTAssertThrowsError(try CSV.parse("", name: "t", label: nil))
        XCTAssertThrowsError(try CSV.parse("1,nan\n", name: "t", label: nil))
    }

    func testSplitsShareStorageAndGatherScalesBytes() throws {
        let s = SampleStorage(features: .bytes([0, 255, 51, 102, 10, 20]), sampleShape: [2], targets: [0, 1, 2])
        let d = try Dataset(name: "t", train: DataSplit(storage: s, range: 0..<3), classCount: 3).withValidation(last: 1)
        XCTAssertEqual(d.validation?.count, 1)
        XCTAssertEqual(d.train.count, 2)
        XCTAssertTrue(d.train.storage === d.validation!.storage)
        let x = Tensor(zeros: [0])
        var y = [Float](repeating: 0, count: 2)
        y.withUnsafeMutableBufferPointer { d.train.gather(from: 0, count: 2, into: x, targets: $0.baseAddress!) }
        // The validation split is the last sample, as the book's X_train_full[-5000:].
        Check.close(x.array, [0, 1, 0.2, 0.4])
        XCTAssertEqual(y, [0, 1])
        XCTAssertThrowsError(try d.withValidation(last: 5))
    }

    func testSyntheticDataIsSeeded() {
        var a = RandomGenerator(seed: 1), b = RandomGenerator(seed: 1)
        let x = Synthetic.moons.generate(n: 100, noise: 0.1, rng: &a), y = Synthetic.moons.generate(n: 100, noise: 0.1, rng: &b)
        guard case .floats(let fx) = x.train.storage.features, case .floats(let fy) = y.train.storage.features else { return XCTFail() }
        XCTAssertEqual(fx, fy)
        XCTAssertEqual(x.test?.count, 20)
        for s in Synthetic.allCases {
            var r = RandomGenerator(seed: 3)
            let d = s.generate(n: 60, noise: 0.1, classes: 3, rng: &r)
            XCTAssertEqual(d.train.count, 60)
            XCTAssertTrue(d.train.storage.targets.allSatisfy { $0 >= 0 && Int($0) < d.classCount })
        }
    }

    func testSafeTensorsRoundTripAndCorruptFiles() throws {
        let t = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let data = try SafeTensors.encode([("dense/kernel", t), ("dense/bias", Tensor(shape: [3], values: [7, 8, 9]))], metadata: ["a": "b"])
        // Header length is a little-endian u64, per the spec.
        let n = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual(Int(n) % 8, 0)
        let (tensors, meta) = try SafeTensors.decode(data)
        XCTAssertEqual(tensors["dense/kernel"]?.array, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(tensors["dense/bias"]?.shape, [3])
        XCTAssertEqual(meta["a"], "b")
        XCTAssertThrowsError(try SafeTensors.decode(data.prefix(data.count - 4)))
        XCTAssertThrowsError(try SafeTensors.decode(Data([255, 255, 255, 255, 0, 0, 0, 0, 1])))
        var bad = data
        bad.replaceSubrange(8..<9, with: [UInt8(ascii: "x")])
        XCTAssertThrowsError(try SafeTensors.decode(bad))
        let lying = try SafeTensors.encode([("w", Tensor(zeros: [2]))])
        XCTAssertThrowsError(try SafeTensors.decode(lying.prefix(lying.count - 1)))
    }

    func testModelSaveLoadRoundTripKeepsWeightsAndOptimizerState() throws {
        var rng = RandomGenerator(seed: 3)
        let m = Sequential()
        try m.add(Flatten(), rng: &rng)
        try m.add(Dense(units: 4, activation: .elu(alpha: 1), kernelInitializer: .named("he_normal")!, kernelRegularizer: Regularizer(l2: 0.01)), rng: &rng)
        try m.add(BatchNormalization(), rng: &rng)
        try m.add(Dropout(rate: 0.2), rng: &rng)
        try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
        try m.build(inputShape: [2, 3], rng: &rng)
        m.loss = .sparseCategoricalCrossentropy
        m.optimizer = Optimizer(rule: Adam(), learningRate: 0.01, clipping: Clipping(clipNorm: 1))
        for p in m.parameters where p.trainable { p.gradient.fill(0.5) }
        m.optimizer!.update(m.parameters)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-model-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ModelStore.save(m, to: dir)
        let l = try ModelStore.load(from: dir)
        XCTAssertEqual(l.layers.map(\.typeName), ["Flatten", "Dense", "BatchNormalization", "Dropout", "Dense"])
        XCTAssertEqual(l.counts.total, m.counts.total)
        for (a, b) in zip(m.parameters, l.parameters) { XCTAssertEqual(a.value.array, b.value.array, a.path) }
        XCTAssertEqual(l.optimizer?.iterations, 1)
        XCTAssertEqual(l.optimizer?.clipping.clipNorm, 1)
        XCTAssertEqual(l.optimizer!.slots(of: l.parameters[0]).first?.array, m.optimizer!.slots(of: m.parameters[0]).first?.array)
        XCTAssertEqual((l.layers[1] as! Dense).kernel.regularizer, Regularizer(l2: 0.01))
    }
}
