import Foundation

/// CIFAR-10 from its standard binary files (`cifar-10-binary.tar.gz`, which
/// unpacks to `cifar-10-batches-bin/`): `data_batch_1.bin` … `data_batch_5.bin`
/// and `test_batch.bin`, each a run of 3,073-byte records — one label byte,
/// then the 32×32 image as 1,024 red, 1,024 green and 1,024 blue bytes, rows
/// top to bottom. Images are stored as Keras' `cifar10.load_data()` returns
/// them, 32×32×3 with the channels last, training batches in order.
public enum CIFAR10 {
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer",
                                    "dog", "frog", "horse", "ship", "truck"]
    public static let trainFiles = (1...5).map { "data_batch_\($0).bin" }
    public static let testFile = "test_batch.bin"
    public static let archive = "cifar-10-binary.tar.gz"
    public static let folder = "cifar-10-batches-bin"
    static let side = 32, channels = 3
    static let imageBytes = side * side * channels
    static let recordBytes = 1 + imageBytes

    /// Where a learner gets the files, for the error that says they are missing.
    public static let whereToGetIt =
        "download the binary version, \(archive) (162 MB), from https://www.cs.toronto.edu/~kriz/cifar.html and give its path, or the folder it unpacks to (\(folder))"

    /// Loads from a folder holding the six `.bin` files, a folder holding
    /// `cifar-10-batches-bin/` or `cifar-10-binary.tar.gz`, or the archive itself.
    public static func load(path: String) throws -> Dataset {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError("no such file or folder: \(path); \(whereToGetIt)")
        }
        let files: [String: [UInt8]]
        if isDirectory.boolValue {
            let candidates = [path, path + "/" + folder]
            if let dir = candidates.first(where: { fm.fileExists(atPath: $0 + "/" + testFile) }) {
                var found: [String: [UInt8]] = [:]
                for name in trainFiles + [testFile] {
                    let file = dir + "/" + name
                    guard let data = fm.contents(atPath: file) else {
                        throw DataError("\(dir) has \(testFile) but no readable \(name); the CIFAR-10 binary version has data_batch_1.bin … data_batch_5.bin and test_batch.bin")
                    }
                    found[name] = [UInt8](data)
                }
                files = found
            } else if fm.fileExists(atPath: path + "/" + archive) {
                files = try members(ofArchive: path + "/" + archive)
            } else {
                throw DataError("CIFAR-10 is not in \(path) (no \(testFile), \(folder)/ or \(archive)); \(whereToGetIt)")
            }
        } else {
            files = try members(ofArchive: path)
        }
        let train = try decode(trainFiles.map { ($0, files[$0]!) })
        let test = try decode([(testFile, files[testFile]!)])
        var d = Dataset(name: "cifar10", train: DataSplit(storage: train, range: 0..<train.count),
                        test: DataSplit(storage: test, range: 0..<test.count), classCount: 10, classNames: classNames)
        d.location = path
        return d
    }

    /// The six batches from a `.tar.gz` (or plain `.tar`) archive, found by
    /// their file names wherever they sit in it.
    static func members(ofArchive path: String) throws -> [String: [UInt8]] {
        let bytes = try IDX.inflateWhole(path) ?? IDX.readFile(path)
        var found: [String: [UInt8]] = [:]
        var offset = 0
        while offset + 512 <= bytes.count {
            let header = bytes[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { break }
            func text(_ from: Int, _ count: Int) -> String {
                let field = bytes[(offset + from)..<(offset + from + count)]
                return String(decoding: field.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            let sizeField = text(124, 12).trimmingCharacters(in: .whitespaces)
            guard let size = Int(sizeField, radix: 8), size >= 0 else {
                throw DataError("\(path) is not a tar archive (bad header at byte \(offset)); \(whereToGetIt)")
            }
            let name = (text(0, 100) as NSString).lastPathComponent
            let start = offset + 512
            guard start + size <= bytes.count else { throw DataError("\(path) is truncated inside \(name)") }
            let type = bytes[offset + 156]
            if (type == 0 || type == UInt8(ascii: "0")), trainFiles.contains(name) || name == testFile {
                found[name] = [UInt8](bytes[start..<(start + size)])
            }
            offset = start + (size + 511) / 512 * 512
        }
        let missing = (trainFiles + [testFile]).filter { found[$0] == nil }
        guard missing.isEmpty else {
            throw DataError("\(path) does not hold \(missing.joined(separator: ", ")); \(whereToGetIt)")
        }
        return found
    }

    /// Concatenates batches of records into one storage, channels last.
    static func decode(_ batches: [(name: String, bytes: [UInt8])]) throws -> SampleStorage {
        var count = 0
        for (name, bytes) in batches {
            guard !bytes.isEmpty, bytes.count % recordBytes == 0 else {
                throw DataError("\(name) has \(bytes.count) bytes, not a whole number of \(recordBytes)-byte CIFAR-10 records (1 label byte + 32×32×3 pixels)")
            }
            count += bytes.count / recordBytes
        }
        var pixels = [UInt8](repeating: 0, count: count * imageBytes)
        var labels = [Float](repeating: 0, count: count)
        var image = 0
        let plane = side * side
        try pixels.withUnsafeMutableBufferPointer { out in
            for (name, bytes) in batches {
                try bytes.withUnsafeBufferPointer { src in
                    for r in 0..<(bytes.count / recordBytes) {
                        let record = src.baseAddress! + r * recordBytes
                        guard record[0] < 10 else {
                            throw DataError("\(name) record \(r) has label \(record[0]); CIFAR-10 labels are 0…9")
                        }
                        labels[image] = Float(record[0])
                        let dst = out.baseAddress! + image * imageBytes
                        for p in 0..<plane {
                            for c in 0..<channels { dst[p * channels + c] = record[1 + c * plane + p] }
                        }
                        image += 1
                    }
                }
            }
        }
        return SampleStorage(features: .bytes(pixels), sampleShape: [side, side, channels], targets: labels)
    }
}
