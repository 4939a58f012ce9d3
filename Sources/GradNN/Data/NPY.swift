import CZlib
import Foundation

/// Reads numpy's `.npy` files (format versions 1–3) and `.npz` archives
/// (`np.savez`, stored, and `np.savez_compressed`, deflated), so a learner's
/// own arrays become a data set. Like the IDX reader it refuses a lying header
/// before allocating: the shape's byte count must match what the file holds.
///
/// Accepted element types, little-endian: float32 (kept), uint8 (kept as
/// bytes; features become pixels scaled to [0, 1]), and float64, int8/16/32/64,
/// uint16/32/64 and bool, converted to float32 — integers only when exactly
/// representable (|v| ≤ 2²⁴), floats only when finite.
public enum NPY {
    /// Largest payload accepted (2 GiB), as for IDX files.
    public static let maximumBytes = 1 << 31
    /// Largest header accepted.
    public static let maximumHeader = 1 << 20

    /// The elements of an array, in C (row-major) order.
    public enum Values: Equatable {
        case float32([Float])
        case uint8([UInt8])
    }

    /// A numpy array: its shape and its elements.
    public struct Array: Equatable {
        public var shape: [Int]
        public var values: Values
        public init(shape: [Int], values: Values) { self.shape = shape; self.values = values }
        public var count: Int { shape.reduce(1, *) }
        /// The elements as floats (uint8 as their integer values, not scaled).
        public var floats: [Float] {
            switch values {
            case .float32(let f): return f
            case .uint8(let b): return b.map { Float($0) }
            }
        }
    }

    struct Header {
        var descr: String
        var fortranOrder: Bool
        var shape: [Int]
        var itemSize: Int
        var payload: Int
        var dataOffset: Int
    }

    // MARK: .npy

    /// Loads a `.npy` file, checking its header against the file's size before reading the data.
    public static func load(path: String) throws -> Array {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path) else { throw DataError("no such file: \(path)") }
        if (attrs[.type] as? FileAttributeType) == .typeDirectory { throw DataError("\(path) is a folder, not a .npy file") }
        let size = (attrs[.size] as? Int) ?? 0
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DataError("cannot open \(path)") }
        defer { try? handle.close() }
        let prefix = handle.readData(ofLength: 12)
        let headerLength = try headerLength(prefix, name: path)
        let rest = handle.readData(ofLength: headerLength.total - prefix.count)
        let header = try parseHeader(prefix + rest, name: path)
        guard size - header.dataOffset == header.payload else {
            throw DataError("\(path) claims shape \(shapeText(header.shape)) of \(header.descr) = \(header.payload) bytes but holds \(max(0, size - header.dataOffset))")
        }
        let body = handle.readData(ofLength: header.payload)
        guard body.count == header.payload else { throw DataError("\(path) is truncated (\(body.count) of \(header.payload) data bytes)") }
        return try decode(header, body, name: path)
    }

    /// Parses a whole `.npy` file held in memory (an `.npz` entry, a test).
    public static func parse(_ data: Data, name: String) throws -> Array {
        let header = try parseHeader(data, name: name)
        guard data.count - header.dataOffset == header.payload else {
            throw DataError("\(name) claims shape \(shapeText(header.shape)) of \(header.descr) = \(header.payload) bytes but holds \(max(0, data.count - header.dataOffset))")
        }
        return try decode(header, data.subdata(in: (data.startIndex + header.dataOffset)..<data.endIndex), name: name)
    }

    /// Encodes a float32 array as a version 1 `.npy` file.
    public static func encode(shape: [Int], floats: [Float]) -> Data {
        encode(shape: shape, descr: "<f4", body: floats.withUnsafeBufferPointer { Data(buffer: $0) })
    }

    /// Encodes a uint8 array as a version 1 `.npy` file.
    public static func encode(shape: [Int], bytes: [UInt8]) -> Data {
        encode(shape: shape, descr: "|u1", body: Data(bytes))
    }

    static func encode(shape: [Int], descr: String, body: Data) -> Data {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var h = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        while (10 + h.utf8.count + 1) % 64 != 0 { h += " " }
        h += "\n"
        var out = Data([0x93] + Swift.Array("NUMPY".utf8) + [1, 0])
        let n = UInt16(h.utf8.count)
        out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        out.append(contentsOf: Swift.Array(h.utf8))
        out.append(body)
        return out
    }

    /// The header's total length (magic, version, length field and dict) from the first bytes.
    static func headerLength(_ d: Data, name: String) throws -> (total: Int, fieldSize: Int) {
        let b = [UInt8](d.prefix(12))
        guard b.count >= 10, b[0] == 0x93, Swift.Array(b[1..<6]) == Swift.Array("NUMPY".utf8) else {
            throw DataError("\(name) is not a .npy file (bad magic string)")
        }
        let major = b[6]
        switch major {
        case 1:
            let n = Int(b[8]) | Int(b[9]) << 8
            return (10 + n, 2)
        case 2, 3:
            guard b.count >= 12 else { throw DataError("\(name) is truncated inside its header") }
            let n = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            guard n <= maximumHeader else { throw DataError("\(name) claims a \(n)-byte header; at most \(maximumHeader) are accepted") }
            return (12 + n, 4)
        default:
            throw DataError("\(name) is .npy format version \(major).\(b[7]); versions 1, 2 and 3 are supported")
        }
    }

    static func parseHeader(_ data: Data, name: String) throws -> Header {
        let (total, _) = try headerLength(data, name: name)
        guard data.count >= total else { throw DataError("\(name) is truncated inside its header") }
        let start = data.startIndex
        let fieldEnd = total - (data[start + 6] == 1 ? Int(data[start + 8]) | Int(data[start + 9]) << 8
                                                         : Int(data[start + 8]) | Int(data[start + 9]) << 8 | Int(data[start + 10]) << 16 | Int(data[start + 11]) << 24)
        guard let text = String(data: data.subdata(in: (start + fieldEnd)..<(start + total)), encoding: data[start + 6] == 3 ? .utf8 : .isoLatin1) else {
            throw DataError("\(name) has an unreadable header")
        }
        let descr = try field(text, "descr", name: name)
        let fortran = try field(text, "fortran_order", name: name)
        let shapeText = try field(text, "shape", name: name)
        guard descr.count >= 3, descr.hasPrefix("'") || descr.hasPrefix("\""), descr.hasSuffix("'") || descr.hasSuffix("\"") else {
            throw DataError("\(name): dtype \(descr) is not supported (structured arrays are not)")
        }
        let d = String(descr.dropFirst().dropLast())
        guard fortran == "False" || fortran == "True" else { throw DataError("\(name): fortran_order is '\(fortran)'") }
        guard shapeText.hasPrefix("("), shapeText.hasSuffix(")") else { throw DataError("\(name): shape \(shapeText) is not a tuple") }
        var shape: [Int] = []
        for part in shapeText.dropFirst().dropLast().split(separator: ",") {
            let p = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            if p.isEmpty { continue }
            guard let v = Int(p), v >= 0 else { throw DataError("\(name): shape \(shapeText) has a bad dimension '\(p)'") }
            shape.append(v)
        }
        guard shape.count <= 8 else { throw DataError("\(name) has \(shape.count) dimensions; at most 8 are supported") }
        let item = try itemSize(d, name: name)
        var payload = item
        for v in shape {
            let (t, o) = payload.multipliedReportingOverflow(by: v)
            guard !o, t <= maximumBytes else {
                throw DataError("\(name) claims shape \(NPY.shapeText(shape)) of \(d), more than the \(maximumBytes >> 30) GiB limit")
            }
            payload = t
        }
        return Header(descr: d, fortranOrder: fortran == "True", shape: shape, itemSize: item, payload: payload, dataOffset: total)
    }

    /// The value text of `'key': value` in numpy's header dict.
    static func field(_ text: String, _ key: String, name: String) throws -> String {
        guard let r = text.range(of: "'\(key)'") ?? text.range(of: "\"\(key)\"") else {
            throw DataError("\(name): the header has no '\(key)'")
        }
        var s = text[r.upperBound...].drop(while: { $0 == " " })
        guard s.first == ":" else { throw DataError("\(name): the header's '\(key)' has no value") }
        s = s.dropFirst().drop(while: { $0 == " " })
        if s.first == "(" {
            guard let close = s.firstIndex(of: ")") else { throw DataError("\(name): the header's shape is not closed") }
            return String(s[...close])
        }
        if s.first == "'" || s.first == "\"" {
            let q = s.first!
            guard let close = s.dropFirst().firstIndex(of: q) else { throw DataError("\(name): the header's '\(key)' is not closed") }
            return String(s[...close])
        }
        if s.first == "[" || s.first == "{" { throw DataError("\(name): structured dtypes are not supported") }
        return String(s.prefix(while: { $0 != "," && $0 != "}" })).trimmingCharacters(in: .whitespaces)
    }

    static let types: [String: Int] = ["f4": 4, "f8": 8, "u1": 1, "i1": 1, "b1": 1, "i2": 2, "u2": 2, "i4": 4, "u4": 4, "i8": 8, "u8": 8]

    static func itemSize(_ d: String, name: String) throws -> Int {
        guard let order = d.first else { throw DataError("\(name): empty dtype") }
        let code = String(d.dropFirst())
        guard let size = types[code] else {
            throw DataError("\(name) holds \(d) elements; float32, float64, uint8 and integer arrays are supported")
        }
        if order == ">" && size > 1 { throw DataError("\(name) is big-endian (\(d)); save it little-endian: np.save(path, a.astype('<\(code)'))") }
        guard order == "<" || order == "|" || order == "=" || (order == ">" && size == 1) else {
            throw DataError("\(name): dtype \(d) is not supported")
        }
        return size
    }

    static func decode(_ h: Header, _ body: Data, name: String) throws -> Array {
        let n = h.shape.reduce(1, *)
        let code = String(h.descr.dropFirst())
        var values: Values
        if code == "u1" {
            values = .uint8([UInt8](body))
        } else {
            var out = [Float](repeating: 0, count: n)
            var bad: (Int, String)? = nil
            body.withUnsafeBytes { raw in
                func each<T>(_ type: T.Type, _ convert: (T) -> Float?) {
                    for i in 0..<n {
                        let v = raw.loadUnaligned(fromByteOffset: i * h.itemSize, as: T.self)
                        if let f = convert(v) { out[i] = f } else if bad == nil { bad = (i, "\(v)") }
                    }
                }
                let limit = 1 << 24
                func int<T: BinaryInteger>(_ v: T) -> Float? { let w = Int64(clamping: v); return abs(w) <= Int64(limit) ? Float(w) : nil }
                switch code {
                case "f4": each(UInt32.self) { let f = Float(bitPattern: UInt32(littleEndian: $0)); return f.isFinite ? f : nil }
                case "f8": each(UInt64.self) { let d = Double(bitPattern: UInt64(littleEndian: $0)); let f = Float(d); return d.isFinite && f.isFinite ? f : nil }
                case "i1": each(Int8.self) { Float($0) }
                case "b1": each(UInt8.self) { $0 <= 1 ? Float($0) : nil }
                case "i2": each(Int16.self) { Float(Int16(littleEndian: $0)) }
                case "u2": each(UInt16.self) { Float(UInt16(littleEndian: $0)) }
                case "i4": each(Int32.self) { int(Int32(littleEndian: $0)) }
                case "u4": each(UInt32.self) { int(UInt32(littleEndian: $0)) }
                case "i8": each(Int64.self) { int(Int64(littleEndian: $0)) }
                default: each(UInt64.self) { int(UInt64(littleEndian: $0)) }
                }
            }
            if let (i, v) = bad {
                throw DataError("\(name) element \(i) is \(v), which is not a finite number exactly representable as float32")
            }
            values = .float32(out)
        }
        if h.fortranOrder && h.shape.count > 1 {
            values = cOrder(values, shape: h.shape)
        }
        return Array(shape: h.shape, values: values)
    }

    /// Reorders column-major (Fortran) elements into row-major order.
    static func cOrder(_ v: Values, shape: [Int]) -> Values {
        let n = shape.reduce(1, *)
        var fStrides = [Int](repeating: 1, count: shape.count)
        for d in 1..<shape.count { fStrides[d] = fStrides[d - 1] * shape[d - 1] }
        func source(_ i: Int) -> Int {
            var rest = i, off = 0
            for d in stride(from: shape.count - 1, through: 0, by: -1) {
                off += (rest % shape[d]) * fStrides[d]
                rest /= shape[d]
            }
            return off
        }
        switch v {
        case .float32(let f): return .float32((0..<n).map { f[source($0)] })
        case .uint8(let b): return .uint8((0..<n).map { b[source($0)] })
        }
    }

    static func shapeText(_ s: [Int]) -> String { "(" + s.map(String.init).joined(separator: ", ") + (s.count == 1 ? ",)" : ")") }

    // MARK: .npz

    /// Loads every `.npy` member of an `.npz` archive, keyed by name without `.npy`.
    public static func loadArchive(path: String) throws -> [String: Array] {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path) else { throw DataError("no such file: \(path)") }
        if let size = attrs[.size] as? Int, size > maximumBytes + (1 << 20) { throw DataError("\(path) is larger than 2 GiB; refused") }
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError("cannot read \(path)") }
        return try parseArchive(data, name: path)
    }

    /// Parses an `.npz` (zip) archive held in memory.
    public static func parseArchive(_ data: Data, name: String) throws -> [String: Array] {
        let b = [UInt8](data)
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        func u64(_ o: Int) -> Int { let lo = u32(o), hi = u32(o + 4); return hi > 0x7FFF_FFFF ? Int.max : lo | hi << 32 }
        let bad = { (why: String) in DataError("\(name) is not a valid .npz archive (\(why))") }
        guard b.count >= 22 else { throw bad("too short") }
        var eocd = -1
        var o = b.count - 22
        while o >= max(0, b.count - 22 - 65_535) {
            if b[o] == 0x50, b[o + 1] == 0x4B, b[o + 2] == 5, b[o + 3] == 6 { eocd = o; break }
            o -= 1
        }
        guard eocd >= 0 else { throw bad("no end-of-directory record") }
        var entries = u16(eocd + 10), cdOffset = u32(eocd + 16)
        if entries == 0xFFFF || cdOffset == 0xFFFF_FFFF {
            let loc = eocd - 20
            guard loc >= 0, u32(loc) == 0x0706_4B50 else { throw bad("missing zip64 locator") }
            let z = u64(loc + 8)
            guard z >= 0, z + 56 <= b.count, u32(z) == 0x0606_4B50 else { throw bad("bad zip64 record") }
            entries = u64(z + 32)
            cdOffset = u64(z + 48)
        }
        guard entries <= 100_000, cdOffset >= 0, cdOffset <= b.count else { throw bad("bad central directory") }
        var out: [String: Array] = [:]
        var p = cdOffset
        var total = 0
        for _ in 0..<entries {
            guard p + 46 <= b.count, u32(p) == 0x0201_4B50 else { throw bad("bad central directory entry") }
            let method = u16(p + 10), crc = UInt32(u32(p + 16))
            var csize = u32(p + 20), usize = u32(p + 24)
            let nlen = u16(p + 28), elen = u16(p + 30), clen = u16(p + 32)
            var local = u32(p + 42)
            guard p + 46 + nlen + elen + clen <= b.count else { throw bad("truncated directory entry") }
            let entryName = String(decoding: b[(p + 46)..<(p + 46 + nlen)], as: UTF8.self)
            var e = p + 46 + nlen
            let eEnd = e + elen
            while e + 4 <= eEnd {
                let id = u16(e), size = u16(e + 2)
                if id == 1 {
                    var q = e + 4
                    if usize == 0xFFFF_FFFF, q + 8 <= eEnd { usize = u64(q); q += 8 }
                    if csize == 0xFFFF_FFFF, q + 8 <= eEnd { csize = u64(q); q += 8 }
                    if local == 0xFFFF_FFFF, q + 8 <= eEnd { local = u64(q); q += 8 }
                }
                e += 4 + size
            }
            p += 46 + nlen + elen + clen
            guard usize <= maximumBytes, csize <= b.count else { throw DataError("\(name): member \(entryName) claims \(usize) bytes, more than the limit") }
            total += usize
            guard total <= maximumBytes else { throw DataError("\(name) unpacks to more than \(maximumBytes >> 30) GiB; refused") }
            guard local >= 0, local + 30 <= b.count, u32(local) == 0x0403_4B50 else { throw bad("bad local header for \(entryName)") }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            guard start + csize <= b.count else { throw bad("member \(entryName) runs past the end") }
            let raw = Data(b[start..<(start + csize)])
            let member: Data
            switch method {
            case 0:
                guard csize == usize else { throw bad("stored member \(entryName) has mismatched sizes") }
                member = raw
            case 8: member = try inflate(raw, expected: usize, name: "\(name):\(entryName)")
            default: throw DataError("\(name): member \(entryName) uses zip method \(method); only stored and deflate are supported")
            }
            let actual = member.withUnsafeBytes { UInt32(crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count))) }
            guard actual == crc else { throw DataError("\(name): member \(entryName) fails its CRC check (corrupt archive)") }
            guard entryName.hasSuffix(".npy") else { continue }
            out[String(entryName.dropLast(4))] = try parse(member, name: "\(name):\(entryName)")
        }
        return out
    }

    static func inflate(_ input: Data, expected: Int, name: String) throws -> Data {
        var out = Data(count: expected)
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw DataError("\(name): zlib failed to start") }
        defer { inflateEnd(&stream) }
        var input = input
        let status: Int32 = input.withUnsafeMutableBytes { (src: UnsafeMutableRawBufferPointer) -> Int32 in
            out.withUnsafeMutableBytes { (dst: UnsafeMutableRawBufferPointer) -> Int32 in
                stream.next_in = src.bindMemory(to: Bytef.self).baseAddress
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(dst.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == expected else {
            throw DataError("\(name) does not inflate to the \(expected) bytes its directory claims (corrupt or lying archive)")
        }
        return out
    }

    // MARK: data sets

    /// A data set from a features array (n, …) and a targets array (n) or (n, 1):
    /// uint8 features become pixels in [0, 1] (as Fashion-MNIST), float32 ones
    /// are used as they are. Targets that are all whole numbers in 0…99999 are
    /// class indices; anything else is regression. `test` adds a test split.
    public static func dataset(x: Array, y: Array, name: String, test: (x: Array, y: Array)? = nil) throws -> Dataset {
        let train = try storage(x: x, y: y, name: name)
        var classes = classCount(train.targets)
        var testSplit: DataSplit? = nil
        if let t = test {
            let s = try storage(x: t.x, y: t.y, name: name + " (test)")
            guard s.sampleShape == train.sampleShape else {
                throw DataError("\(name): test samples are \(shapeText(s.sampleShape)) but training samples are \(shapeText(train.sampleShape))")
            }
            let tc = classCount(s.targets)
            classes = classes > 0 && tc > 0 ? max(classes, tc) : 0
            testSplit = DataSplit(storage: s, range: 0..<s.count)
        }
        return Dataset(name: name, train: DataSplit(storage: train, range: 0..<train.count), test: testSplit, classCount: classes)
    }

    static func classCount(_ t: [Float]) -> Int {
        let isClasses = t.allSatisfy { $0 >= 0 && $0 == $0.rounded() && $0 < 100_000 }
        return isClasses ? Int(t.max() ?? 0) + 1 : 0
    }

    static func storage(x: Array, y: Array, name: String) throws -> SampleStorage {
        guard x.shape.count >= 2 else {
            throw DataError("\(name): features have shape \(shapeText(x.shape)); expected (samples, features…) with at least two dimensions")
        }
        let n = x.shape[0]
        guard n > 0 else { throw DataError("\(name) holds no samples") }
        guard y.shape.count == 1 || (y.shape.count == 2 && y.shape[1] == 1) else {
            throw DataError("\(name): targets have shape \(shapeText(y.shape)); expected one per sample, (\(n),)")
        }
        guard y.shape[0] == n else { throw DataError("\(name) has \(n) sample\(n == 1 ? "" : "s") but \(y.shape[0]) target\(y.shape[0] == 1 ? "" : "s")") }
        let sampleShape = Swift.Array(x.shape.dropFirst())
        guard sampleShape.allSatisfy({ $0 > 0 }) else { throw DataError("\(name): samples have an empty dimension \(shapeText(sampleShape))") }
        let features: SampleStorage.Features
        switch x.values {
        case .uint8(let b): features = .bytes(b)
        case .float32(let f): features = .floats(f)
        }
        return SampleStorage(features: features, sampleShape: sampleShape, targets: y.floats)
    }

    /// `data npy X.npy Y.npy`: features and targets from two `.npy` files.
    public static func dataset(xPath: String, yPath: String) throws -> Dataset {
        let x = try load(path: xPath), y = try load(path: yPath)
        return try dataset(x: x, y: y, name: (xPath as NSString).lastPathComponent)
    }

    /// `data npz FILE [x=KEY y=KEY]`: features and targets from an archive.
    /// Without keys it takes `x_train`/`y_train` (then `x`/`y`, `X`/`Y`), and
    /// `x_test`/`y_test` as the test split when both are present.
    public static func dataset(archive path: String, x xKey: String? = nil, y yKey: String? = nil) throws -> Dataset {
        let arrays = try loadArchive(path: path)
        let names = arrays.keys.sorted().joined(separator: ", ")
        func pick(_ given: String?, _ defaults: [String], _ what: String) throws -> (String, Array) {
            if let k = given {
                guard let a = arrays[k] else { throw DataError("\(path) has no array '\(k)'; it holds: \(names)") }
                return (k, a)
            }
            for k in defaults { if let a = arrays[k] { return (k, a) } }
            throw DataError("\(path) has none of \(defaults.joined(separator: ", ")) for the \(what); it holds: \(names) (name one with \(what == "features" ? "x" : "y")=KEY)")
        }
        let (xk, x) = try pick(xKey, ["x_train", "x", "X", "X_train"], "features")
        let (_, y) = try pick(yKey, ["y_train", "y", "Y", "labels"], "targets")
        var test: (Array, Array)? = nil
        if xk.hasSuffix("_train") {
            let stem = String(xk.dropLast(6))
            if let tx = arrays[stem + "_test"], let ty = arrays[(yKey.map { String($0.dropLast($0.hasSuffix("_train") ? 6 : 0)) } ?? "y") + "_test"] {
                test = (tx, ty)
            }
        }
        return try dataset(x: x, y: y, name: (path as NSString).lastPathComponent, test: test)
    }
}
