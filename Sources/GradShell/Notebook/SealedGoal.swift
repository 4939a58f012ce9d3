import Crypto
import Foundation

/// An exercise goal whose target a student cannot read from the file:
/// `expect val_accuracy sealed:TOKEN`. The token holds the comparison
/// (`>= 0.86`) and an optional hint, encrypted with ChaCha20-Poly1305
/// (swift-crypto). The readable parts travel as associated data, so the
/// Poly1305 tag covers them too: the quantity and layer on the line, the
/// goal's position and the exercise's goal count, and the exercise's readable
/// rules (its unsealed `expect` lines and its `require` lines). Swapping the
/// quantity, editing the target or hint, deleting, adding or reordering goals,
/// or loosening a `require data` line makes every affected seal fail to open.
///
/// Trust model (unchanged from the first format): the key is derived from a
/// public constant and a random per-seal salt, `SHA-256("gradlab sealed goal
/// v2" ‖ salt)`, because `check` must work offline with nothing but the file.
/// This keeps the answer out of sight of a student reading the file and makes
/// an edit visible; it is not secrecy, nor a signature, against someone who
/// reads gradlab's source and re-seals a file by hand. Each key seals exactly
/// one message, so the fixed all-zero nonce is never reused with a key.
public struct SealedGoal: Equatable {
    /// `OP NUMBER`, e.g. `>= 0.86`.
    public var comparison: String
    public var hint: String?

    /// The readable context a seal is bound to: the `expect` line's quantity
    /// and layer, the goal's 1-based position among the exercise's `expect`
    /// lines, how many there are, and the exercise's readable rule lines.
    public struct Binding: Equatable {
        public var quantity: String
        public var layer: String?
        public var position: Int
        public var count: Int
        public var rules: [String]

        public init(quantity: String, layer: String?, position: Int, count: Int, rules: [String] = []) {
            self.quantity = quantity
            self.layer = layer
            self.position = position
            self.count = count
            self.rules = rules
        }

        /// The associated data; one field a line (no field holds a newline: they come from single lines).
        var associatedData: Data {
            var text = "gradlab sealed goal v2\nquantity \(quantity)\nlayer \(layer ?? "-")\ngoal \(position) of \(count)"
            for r in rules { text += "\nrule " + r }
            return Data(text.utf8)
        }
    }

    public static let prefix = "sealed:"
    /// The first byte of every token of this format (the first format had none).
    private static let version: UInt8 = 2
    private static let domain = Array("gradlab sealed goal v2".utf8)
    private static let saltBytes = 8, tagBytes = 16

    public init(comparison: String, hint: String?) {
        self.comparison = comparison
        self.hint = hint
    }

    /// The `sealed:…` word for the goal at `binding`; `salt` is random unless a test fixes it.
    public func seal(_ binding: Binding, salt: [UInt8]? = nil) -> String {
        let s = salt ?? (0..<SealedGoal.saltBytes).map { _ in UInt8.random(in: 0...255) }
        let plain = Data((comparison + "\n" + (hint ?? "")).utf8)
        // Sealing in memory with a valid key and nonce cannot fail.
        let box = try! ChaChaPoly.seal(plain, using: SealedGoal.key(s), nonce: SealedGoal.nonce, authenticating: binding.associatedData)
        return SealedGoal.prefix + SealedGoal.base64url([SealedGoal.version] + s + Array(box.ciphertext) + Array(box.tag))
    }

    /// Opens a `sealed:…` word as the goal at `binding`; throws when the
    /// token is damaged or anything it is bound to was edited.
    public static func open(_ word: String, _ binding: Binding) throws -> SealedGoal {
        guard word.hasPrefix(prefix), let bytes = unbase64url(String(word.dropFirst(prefix.count))), !bytes.isEmpty else {
            throw ShellError("'\(word.prefix(24))…' is not a sealed goal (expected sealed: and base64url text)")
        }
        guard bytes[0] == version else {
            throw ShellError("this sealed goal is in an older format (or damaged); seal the exercise again from its source with `exercise seal`")
        }
        guard bytes.count > 1 + saltBytes + tagBytes else { throw ShellError("this sealed goal is damaged (too short)") }
        let salt = Array(bytes[1...saltBytes])
        let body = bytes[(1 + saltBytes)..<(bytes.count - tagBytes)], tag = bytes[(bytes.count - tagBytes)...]
        guard let box = try? ChaChaPoly.SealedBox(nonce: nonce, ciphertext: Data(body), tag: Data(tag)),
              let plain = try? ChaChaPoly.open(box, using: key(salt), authenticating: binding.associatedData),
              let text = String(data: plain, encoding: .utf8) else {
            throw ShellError("this sealed goal does not verify: its line, its place among the exercise's \(binding.count) goals, "
                             + "or the exercise's readable rules were changed since it was sealed")
        }
        let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let hint = parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : nil
        return SealedGoal(comparison: String(parts[0]), hint: hint)
    }

    private static func key(_ salt: [UInt8]) -> SymmetricKey { SymmetricKey(data: SHA256.hash(data: domain + salt)) }

    private static let nonce = try! ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12))

    static func base64url(_ b: [UInt8]) -> String {
        Data(b).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func unbase64url(_ s: String) -> [UInt8]? {
        guard s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return Data(base64Encoded: t).map { Array($0) }
    }
}
