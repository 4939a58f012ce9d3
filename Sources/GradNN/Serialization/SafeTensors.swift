import Foundation
import GradTensor

/// The safetensors format (Hugging Face): an 8-byte little-endian header
/// length, a JSON header mapping names to dtype, shape and byte offsets, then
/// the raw little-endian data. Only F32 is written and read here.
public enum SafeTensors {
    /// Largest header accepted (as the reference implementation: 100 MB).
    public static let maximumHeader = 100_000_000

    /// Encodes named tensors (in the given order) and string metadata.
    public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, t) in tensors {
            let bytes = t.count * 4
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (json.count + 8) % 8 != 0 { json.append(0x20) }
        var out = Data()
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, t) in tensors {
            out.append(UnsafeBufferPointer(start: t.data, count: t.count))
        }
        return out
    }

    /// Decodes a file's bytes, validating every offset before reading.
    public static func decode(_ data: Data, name: String = "file") throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw ModelError("\(name) is too short to be a safetensors file") }
        let n = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian
        guard n <= UInt64(maximumHeader), Int(n) <= data.count - 8 else {
            throw ModelError("\(name): safetensors header claims \(n) bytes but the file has \(data.count - 8) after the length")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(n)))
        guard let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
            throw ModelError("\(name): safetensors header is not a JSON object")
        }
        let base = 8 + Int(n)
        let available = data.count - base
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(Int, Int)] = []
        for (key, value) in header {
            if key == "__metadata__" {
                guard let m = value as? [String: String] else { throw ModelError("\(name): __metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offs = info["data_offsets"] as? [Int], offs.count == 2 else {
                throw ModelError("\(name): tensor '\(key)' has a malformed entry")
            }
            guard dtype == "F32" else { throw ModelError("\(name): tensor '\(key)' is \(dtype); only F32 is supported") }
            guard shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else { throw ModelError("\(name): tensor '\(key)' has a bad shape \(shape)") }
            var count = 1
            for d in shape {
                let (c, o) = count.multipliedReportingOverflow(by: d)
                guard !o, c <= 1 << 31 else { throw ModelError("\(name): tensor '\(key)' is too large") }
                count = c
            }
            let (b, e) = (offs[0], offs[1])
            guard b >= 0, e >= b, e <= available else {
                throw ModelError("\(name): tensor '\(key)' has offsets \(b)…\(e) past the end of the data (\(available) bytes)")
            }
            guard e - b == count * 4 else { throw ModelError("\(name): tensor '\(key)' shape \(shape) needs \(count * 4) bytes but its offsets give \(e - b)") }
            ranges.append((b, e))
            let t = Tensor(zeros: shape)
            data.withUnsafeBytes { raw in
                let src = raw.baseAddress! + base + b
                memcpy(t.data, src, e - b)
            }
            tensors[key] = t
        }
        ranges.sort { $0.0 < $1.0 }
        for i in 1..<max(1, ranges.count) where ranges[i].0 < ranges[i - 1].1 {
            throw ModelError("\(name): tensors overlap in the data section")
        }
        return (tensors, metadata)
    }
}
