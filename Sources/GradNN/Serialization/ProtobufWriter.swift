/// Just enough of the protocol-buffer wire format to write TensorBoard's
/// `Event` messages by hand: varints, fixed 32/64-bit numbers, and
/// length-delimited fields (strings, nested messages, packed doubles).
public struct ProtobufWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    private mutating func key(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    private mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func littleEndian<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// `int64`/`uint64` (wire type 0); negative values take ten bytes, as protobuf says.
    public mutating func int64(_ field: Int, _ v: Int64) {
        key(field, 0)
        varint(UInt64(bitPattern: v))
    }

    /// `double` (wire type 1).
    public mutating func double(_ field: Int, _ v: Double) {
        key(field, 1)
        littleEndian(v.bitPattern)
    }

    /// `float` (wire type 5).
    public mutating func float(_ field: Int, _ v: Float) {
        key(field, 5)
        littleEndian(v.bitPattern)
    }

    /// `bytes`, `string` or a nested message (wire type 2).
    public mutating func lengthDelimited(_ field: Int, _ data: [UInt8]) {
        key(field, 2)
        varint(UInt64(data.count))
        bytes.append(contentsOf: data)
    }

    public mutating func string(_ field: Int, _ s: String) { lengthDelimited(field, Array(s.utf8)) }

    public mutating func message(_ field: Int, _ m: ProtobufWriter) { lengthDelimited(field, m.bytes) }

    /// `repeated double` in proto3's default packed encoding.
    public mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        key(field, 2)
        varint(UInt64(values.count * 8))
        for v in values { littleEndian(v.bitPattern) }
    }
}
