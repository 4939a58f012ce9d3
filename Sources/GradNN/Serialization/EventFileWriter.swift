import Foundation

/// A TensorBoard event file (`events.out.tfevents.<secs>.<host>.<pid>.v2`):
/// TFRecords, each an `Event` protobuf, as `tf.summary.create_file_writer`
/// writes them and `tensorboard`'s `EventAccumulator` reads them.
///
/// Field numbers, from tensorboard/compat/proto: `Event` {wall_time 1 (double),
/// step 2 (int64), file_version 3 (string), summary 5}; `Summary` {value 1};
/// `Summary.Value` {tag 1, simple_value 2 (float), histo 5}; `HistogramProto`
/// {min 1, max 2, num 3, sum 4, sum_squares 5, bucket_limit 6, bucket 7
/// (packed doubles)}.
public final class EventFileWriter {
    private let file: AppendFile
    public var path: String { file.path }

    /// Creates `directory` and a new event file in it; the first record names the format.
    public init(directory: String, now: Date = Date()) throws {
        let name = "events.out.tfevents.\(Int(now.timeIntervalSince1970)).\(EventFileWriter.hostName()).\(getpid()).v2"
        file = try AppendFile(path: directory + "/" + name)
        if !file.hadContent {
            var e = ProtobufWriter()
            e.double(1, now.timeIntervalSince1970)
            e.string(3, "brain.Event:2")
            try file.append(EventFileWriter.record(e.bytes))
        }
    }

    /// `gethostname`, without the name lookup Foundation's `ProcessInfo.hostName` may do.
    private static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        let name = String(cString: buf).replacingOccurrences(of: "/", with: "_")
        return name.isEmpty ? "localhost" : name
    }

    /// One TFRecord: uint64 length, masked CRC-32C of the length, the data, masked CRC-32C of the data
    /// (all little-endian).
    public static func record(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        withUnsafeBytes(of: UInt64(data.count).littleEndian) { out.append(contentsOf: $0) }
        let lengthCRC = CRC32C.masked(out)
        withUnsafeBytes(of: lengthCRC.littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: data)
        withUnsafeBytes(of: CRC32C.masked(data).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// Appends scalars (`simple_value`) at `step`, in one record per value as TensorFlow does.
    public func scalars(_ values: [(tag: String, value: Double)], step: Int, now: Date = Date()) throws {
        var out: [UInt8] = []
        for (tag, v) in values {
            var value = ProtobufWriter()
            value.string(1, tag)
            value.float(2, Float(v))
            out += EventFileWriter.record(EventFileWriter.event(value, step: step, now: now))
        }
        try file.append(out)
    }

    /// Appends one histogram per tagged buffer at `step`.
    public func histograms(
        _ values: [(tag: String, values: [Float])], step: Int, bucketCount: Int = 30,
        now: Date = Date()
    ) throws {
        var out: [UInt8] = []
        for (tag, xs) in values {
            var value = ProtobufWriter()
            value.string(1, tag)
            value.message(5, EventFileWriter.histogram(xs, bucketCount: bucketCount))
            out += EventFileWriter.record(EventFileWriter.event(value, step: step, now: now))
        }
        try file.append(out)
    }

    private static func event(_ value: ProtobufWriter, step: Int, now: Date) -> [UInt8] {
        var summary = ProtobufWriter()
        summary.message(1, value)
        var e = ProtobufWriter()
        e.double(1, now.timeIntervalSince1970)
        e.int64(2, Int64(step))
        e.message(5, summary)
        return e.bytes
    }

    /// A `HistogramProto` with `bucketCount` equal-width buckets from min to max, as
    /// `tf.summary.histogram` (default 30 buckets); `bucket_limit[i]` is bucket i's
    /// right edge and the first bucket starts at `min`. Non-finite values are left out.
    static func histogram(_ xs: [Float], bucketCount: Int) -> ProtobufWriter {
        var lo = Double.infinity
        var hi = -Double.infinity
        var sum = 0.0
        var squares = 0.0
        var n = 0
        for x in xs where x.isFinite {
            let d = Double(x)
            lo = min(lo, d)
            hi = max(hi, d)
            sum += d
            squares += d * d
            n += 1
        }
        if n == 0 {
            lo = 0
            hi = 0
        }
        let k = hi > lo ? max(1, bucketCount) : 1
        let width = (hi - lo) / Double(k)
        var counts = [Double](repeating: 0, count: k)
        for x in xs where x.isFinite {
            let i = width > 0 ? min(k - 1, Int((Double(x) - lo) / width)) : 0
            counts[i] += 1
        }
        let limits = (0..<k).map { $0 == k - 1 ? hi : lo + Double($0 + 1) * width }
        var h = ProtobufWriter()
        h.double(1, lo)
        h.double(2, hi)
        h.double(3, Double(n))
        h.double(4, sum)
        h.double(5, squares)
        h.packedDoubles(6, limits)
        h.packedDoubles(7, counts)
        return h
    }
}
