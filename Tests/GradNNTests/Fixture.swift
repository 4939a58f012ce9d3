import Foundation

/// A parsed JSON value from `Tests/Fixtures/keras_reference.json`, the numbers
/// real Keras 3 computed (see `Tests/Fixtures/README.md` for the schema).
///
/// Access is by subscript (`fixture["optimizers"][0]["after_step"]`); a
/// missing key or index, or a value of the wrong kind, stops the test run with
/// the path that failed, so a renamed fixture key cannot pass as "no cases".
enum KerasJSON: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([KerasJSON])
    case object([String: KerasJSON], keys: [String])

    /// The whole reference file, parsed once.
    static let reference: KerasJSON = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/keras_reference.json")
            .standardizedFileURL
        do {
            let data = try Data(contentsOf: url)
            let any = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return try KerasJSON(any: any, path: "$")
        } catch {
            fatalError("cannot load Keras reference fixture at \(url.path): \(error)")
        }
    }()

    struct ShapeError: Error, CustomStringConvertible { var description: String }

    init(any: Any, path: String) throws {
        switch any {
        case is NSNull:
            self = .null
        case let s as String:
            self = .string(s)
        case let n as NSNumber:
            // JSONSerialization gives booleans as NSNumber too; tell them apart
            // by the Objective-C type code ("c" for BOOL) or the class.
            if KerasJSON.isBoolean(n) { self = .bool(n.boolValue) } else { self = .number(n.doubleValue) }
        case let a as [Any]:
            self = .array(try a.enumerated().map { try KerasJSON(any: $0.element, path: "\(path)[\($0.offset)]") })
        case let d as [String: Any]:
            var out: [String: KerasJSON] = [:]
            for (k, v) in d { out[k] = try KerasJSON(any: v, path: "\(path).\(k)") }
            self = .object(out, keys: d.keys.sorted())
        default:
            throw ShapeError(description: "\(path): unsupported JSON value \(type(of: any))")
        }
    }

    private static func isBoolean(_ n: NSNumber) -> Bool {
        #if canImport(ObjectiveC)
        return CFGetTypeID(n) == CFBooleanGetTypeID()
        #else
        // swift-corelibs-foundation bridges JSON true/false to an NSNumber
        // whose objCType is "c" (BOOL); numbers use "q" or "d".
        return String(cString: n.objCType) == "c"
        #endif
    }

    // MARK: Access

    subscript(key: String) -> KerasJSON {
        guard case .object(let d, _) = self else { fatalError("fixture: \(key) looked up in a non-object \(self.kind)") }
        guard let v = d[key] else { fatalError("fixture: missing key \"\(key)\" (have \(d.keys.sorted()))") }
        return v
    }

    subscript(index: Int) -> KerasJSON {
        guard case .array(let a) = self else { fatalError("fixture: [\(index)] looked up in a non-array \(self.kind)") }
        guard a.indices.contains(index) else { fatalError("fixture: index \(index) out of \(a.count)") }
        return a[index]
    }

    /// Whether an object has `key`.
    func has(_ key: String) -> Bool {
        if case .object(let d, _) = self { return d[key] != nil }
        return false
    }

    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    var isNull: Bool { if case .null = self { return true }; return false }

    var double: Double {
        guard case .number(let d) = self else { fatalError("fixture: expected a number, found \(kind)") }
        return d
    }

    var float: Float { Float(double) }

    var int: Int {
        let d = double
        guard d == d.rounded(), abs(d) < 1e15 else { fatalError("fixture: expected an integer, found \(d)") }
        return Int(d)
    }

    var bool: Bool {
        guard case .bool(let b) = self else { fatalError("fixture: expected a bool, found \(kind)") }
        return b
    }

    var string: String {
        guard case .string(let s) = self else { fatalError("fixture: expected a string, found \(kind)") }
        return s
    }

    var array: [KerasJSON] {
        guard case .array(let a) = self else { fatalError("fixture: expected an array, found \(kind)") }
        return a
    }

    /// Object entries in sorted key order.
    var entries: [(key: String, value: KerasJSON)] {
        guard case .object(let d, let keys) = self else { fatalError("fixture: expected an object, found \(kind)") }
        return keys.map { ($0, d[$0]!) }
    }

    var doubles: [Double] { array.map(\.double) }
    var floats: [Float] { array.map(\.float) }
    var ints: [Int] { array.map(\.int) }
    var strings: [String] { array.map(\.string) }
    /// A list of rows (a matrix), as doubles.
    var matrix: [[Double]] { array.map(\.doubles) }
}
