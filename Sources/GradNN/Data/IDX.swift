import CDeflate
import CZlib
import Foundation
import GradTensor

/// Reads IDX files (Yann LeCun's MNIST format), plain or gzipped, refusing
/// lying headers before allocating.
public enum IDX {
    /// Largest payload accepted (2 GiB), so a header claiming 10¹² items is refused.
    public static let maximumBytes = 1 << 31

    /// An IDX array of unsigned bytes with its dimensions.
    public struct Array {
        public var dimensions: [Int]
        public var bytes: [UInt8]
    }

    /// Big-endian 32-bit sizes and their product, refused past the limit.
    static func dimensions(_ bytes: [UInt8], name: String) throws -> (dims: [Int], total: Int) {
        var dims: [Int] = [], total = 1
        for o in stride(from: 0, to: bytes.count - 3, by: 4) {
            let v = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            dims.append(v)
            let (t, overflow) = total.multipliedReportingOverflow(by: v)
            guard !overflow, t <= maximumBytes else {
                throw DataError("\(name) claims \(dims.map(String.init).joined(separator: "×")) items, more than the \(maximumBytes >> 30) GiB limit")
            }
            total = t
        }
        return (dims, total)
    }

    /// Reads the whole file, gunzipping when it starts with the gzip magic.
    public static func readFile(_ path: String, limit: Int = maximumBytes + 64) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw DataError("no such file: \(path)") }
        guard let handle = gzopen(path, "rb") else { throw DataError("cannot open \(path)") }
        defer { gzclose(handle) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(handle, $0.baseAddress, UInt32($0.count)) }
            if n < 0 { throw DataError("\(path) is corrupt (gzip data error)") }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<Int(n)])
            if out.count > limit { throw DataError("\(path) is larger than \(limit >> 20) MiB; refused") }
        }
        return out
    }

    /// Parses IDX bytes holding unsigned bytes (type 0x08). The payload keeps
    /// `data`'s storage (the header is moved out of it, not the pixels copied).
    public static func parse(_ data: consuming [UInt8], name: String) throws -> Array {
        guard data.count >= 4 else { throw DataError("\(name) is too short to be an IDX file (\(data.count) bytes)") }
        guard data[0] == 0, data[1] == 0 else { throw DataError("\(name) is not an IDX file (bad magic number)") }
        guard data[2] == 0x08 else {
            throw DataError("\(name) holds IDX type 0x\(String(data[2], radix: 16)); only unsigned bytes (0x08) are supported")
        }
        let rank = Int(data[3])
        guard (1...4).contains(rank) else { throw DataError("\(name) claims \(rank) dimensions; 1 to 4 are supported") }
        guard data.count >= 4 + 4 * rank else { throw DataError("\(name) is truncated inside its header") }
        let (dims, total) = try dimensions(Swift.Array(data[4..<(4 + 4 * rank)]), name: name)
        let header = 4 + 4 * rank
        guard data.count - header == total else {
            throw DataError("\(name) claims \(dims.map(String.init).joined(separator: "×")) = \(total) bytes but holds \(data.count - header)")
        }
        data.removeFirst(header)
        return Array(dimensions: dims, bytes: data)
    }

    /// The whole of a gzipped file, decompressed in one call by libdeflate
    /// (about twice as fast as zlib's streaming) into a buffer of the size
    /// the gzip trailer announces; nil unless the file is exactly one gzip
    /// member that decompresses to that size — the caller then streams with
    /// zlib, which also words the errors.
    static func inflateWhole(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        guard fseek(file, 0, SEEK_END) == 0 else { return nil }
        let size = ftell(file)
        guard size >= 18, size <= maximumBytes, fseek(file, 0, SEEK_SET) == 0 else { return nil }
        var compressed = [UInt8](repeating: 0, count: size)
        guard compressed.withUnsafeMutableBytes({ fread($0.baseAddress, 1, size, file) }) == size,
              compressed[0] == 0x1f, compressed[1] == 0x8b else { return nil }
        let expected = compressed[(size - 4)...].reversed().reduce(0) { $0 << 8 | Int($1) }
        // DEFLATE expands at most 1032-fold: a larger claim is a lie, left to the streaming path.
        guard expected <= maximumBytes + 64, expected <= size * 1032, let inflater = libdeflate_alloc_decompressor() else { return nil }
        defer { libdeflate_free_decompressor(inflater) }
        var ok = false
        let out = [UInt8](unsafeUninitializedCapacity: expected) { buffer, count in
            var used = 0, produced = 0
            let result = compressed.withUnsafeBytes {
                libdeflate_gzip_decompress_ex(inflater, $0.baseAddress, size, buffer.baseAddress, expected, &used, &produced)
            }
            ok = result == LIBDEFLATE_SUCCESS && used == size && produced == expected
            count = ok ? produced : 0
        }
        return ok ? out : nil
    }

    /// Reads an IDX file (plain or gzipped). A gzipped file is decompressed
    /// whole when its trailer can be trusted (`inflateWhole`); otherwise,
    /// and for plain files, by streaming: the header is read
    /// and checked first, then exactly the payload it announces is read into
    /// one buffer — no intermediate copies, and a lying header is refused
    /// before memory is allocated.
    public static func read(_ path: String) throws -> Array {
        guard FileManager.default.fileExists(atPath: path) else { throw DataError("no such file: \(path)") }
        if let whole = inflateWhole(path), let array = try? parse(whole, name: path) { return array }
        guard let handle = gzopen(path, "rb") else { throw DataError("cannot open \(path)") }
        defer { gzclose(handle) }
        gzbuffer(handle, 1 << 18)
        func readExactly(_ n: Int, into p: UnsafeMutableRawPointer) throws -> Int {
            var done = 0
            while done < n {
                let chunk = UInt32(min(n - done, 1 << 30))
                let got = gzread(handle, p + done, chunk)
                if got < 0 { throw DataError("\(path) is corrupt (gzip data error)") }
                if got == 0 { break }
                done += Int(got)
            }
            return done
        }
        var magic = [UInt8](repeating: 0, count: 4)
        let m = try magic.withUnsafeMutableBytes { try readExactly(4, into: $0.baseAddress!) }
        guard m == 4 else { throw DataError("\(path) is too short to be an IDX file (\(m) bytes)") }
        let rank = Int(magic[3])
        guard magic[0] == 0, magic[1] == 0, magic[2] == 0x08, (1...4).contains(rank) else {
            // Fall back to the in-memory parser for its precise message.
            _ = try parse(magic + [UInt8](repeating: 0, count: 0), name: path)
            throw DataError("\(path) is not an IDX file of unsigned bytes")
        }
        var dimBytes = [UInt8](repeating: 0, count: 4 * rank)
        let h = try dimBytes.withUnsafeMutableBytes { try readExactly(4 * rank, into: $0.baseAddress!) }
        guard h == 4 * rank else { throw DataError("\(path) is truncated inside its header") }
        let (dims, total) = try dimensions(dimBytes, name: path)
        // The payload must fit in the file, as is or gzipped at DEFLATE's largest ratio
        // (1032:1): a 12-byte file claiming 2 GiB is refused here, not after allocating it.
        var info = stat()
        let fileBytes = stat(path, &info) == 0 ? Int(info.st_size) : 0
        guard total <= fileBytes * 1032 else {
            throw DataError("\(path) claims \(dims.map(String.init).joined(separator: "×")) = \(total) bytes but the file has only \(fileBytes) bytes")
        }
        var got = 0
        let bytes = try [UInt8](unsafeUninitializedCapacity: total) { buf, count in
            if total > 0 { got = try readExactly(total, into: UnsafeMutableRawPointer(buf.baseAddress!)) }
            count = got
        }
        var extra: UInt8 = 0
        let more = gzread(handle, &extra, 1)
        guard got == total, more == 0 else {
            throw DataError("\(path) claims \(dims.map(String.init).joined(separator: "×")) = \(total) bytes but holds \(more > 0 ? "more" : String(got))")
        }
        return Array(dimensions: dims, bytes: bytes)
    }

    /// Loads an images file and a labels file into one storage.
    public static func load(images: String, labels: String) throws -> SampleStorage {
        let img = try read(images)
        let lab = try read(labels)
        guard img.dimensions.count >= 2 else { throw DataError("\(images) holds a vector, not images") }
        guard img.dimensions[0] > 0 else { throw DataError("\(images) holds no images") }
        guard img.dimensions.dropFirst().allSatisfy({ $0 > 0 }) else { throw DataError("\(images) has images of 0 pixels") }
        guard lab.dimensions.count == 1 else { throw DataError("\(labels) should hold one label per image") }
        guard img.dimensions[0] == lab.dimensions[0] else {
            throw DataError("\(images) has \(img.dimensions[0]) images but \(labels) has \(lab.dimensions[0]) labels")
        }
        return SampleStorage(features: .bytes(img.bytes), sampleShape: Swift.Array(img.dimensions.dropFirst()),
                             targets: lab.bytes.map { Float($0) })
    }
}
