import Foundation

/// An exercise goal whose target a student cannot read from the file:
/// `expect val_accuracy sealed:TOKEN`. The token holds the comparison
/// (`>= 0.86`) and an optional hint, encrypted with a keystream derived
/// from SHA-256 and a random salt, plus a tag that detects any edit.
///
/// This keeps the answer out of sight — the file shows neither the number
/// nor the hint, and a student sees only pass/fail and, on a failure, the
/// hint. It is not secrecy against someone who reads gradlab's source: the
/// key derivation is public, as it must be for `check` to work offline.
public struct SealedGoal: Equatable {
    /// `OP NUMBER`, e.g. `>= 0.86`.
    public var comparison: String
    public var hint: String?

    public static let prefix = "sealed:"
    private static let domain = Array("gradlab sealed goal v1".utf8)
    private static let saltBytes = 8, tagBytes = 8

    public init(comparison: String, hint: String?) {
        self.comparison = comparison
        self.hint = hint
    }

    /// The `sealed:…` word; `salt` is random unless a test fixes it.
    public func seal(salt: [UInt8]? = nil) -> String {
        let s = salt ?? (0..<SealedGoal.saltBytes).map { _ in UInt8.random(in: 0...255) }
        let plain = Array((comparison + "\n" + (hint ?? "")).utf8)
        let key = SealedGoal.key(s)
        let body = SealedGoal.xor(plain, key: key)
        return SealedGoal.prefix + SealedGoal.base64url(s + body + SealedGoal.tag(plain, key: key))
    }

    /// Opens a `sealed:…` word; throws on anything damaged or edited.
    public static func open(_ word: String) throws -> SealedGoal {
        guard word.hasPrefix(prefix), let bytes = unbase64url(String(word.dropFirst(prefix.count))),
              bytes.count > saltBytes + tagBytes else {
            throw ShellError("'\(word.prefix(24))…' is not a sealed goal (expected sealed: and base64url text)")
        }
        let salt = Array(bytes[0..<saltBytes])
        let body = Array(bytes[saltBytes..<(bytes.count - tagBytes)])
        let key = key(salt)
        let plain = xor(body, key: key)
        guard tag(plain, key: key) == Array(bytes[(bytes.count - tagBytes)...]),
              let text = String(bytes: plain, encoding: .utf8) else {
            throw ShellError("this sealed goal is damaged (was the exercise file edited?)")
        }
        let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let hint = parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : nil
        return SealedGoal(comparison: String(parts[0]), hint: hint)
    }

    private static func key(_ salt: [UInt8]) -> [UInt8] { SHA256.hash(domain + salt) }

    private static func tag(_ plain: [UInt8], key: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(key + Array("tag".utf8) + plain).prefix(tagBytes))
    }

    /// XOR with SHA-256(key ‖ "stream" ‖ block counter), block after block.
    private static func xor(_ data: [UInt8], key: [UInt8]) -> [UInt8] {
        var out = data
        var block: [UInt8] = []
        for i in 0..<data.count {
            if i % 32 == 0 {
                let n = UInt32(i / 32)
                block = SHA256.hash(key + Array("stream".utf8) + [UInt8(n >> 24), UInt8((n >> 16) & 255), UInt8((n >> 8) & 255), UInt8(n & 255)])
            }
            out[i] ^= block[i % 32]
        }
        return out
    }

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
