import Foundation

/// Where a replay reads and writes. A replayed transcript is someone else's
/// work (a tutorial, a student's hand-in): it must never change a file on the
/// machine, its own file included. Every write it asks for goes to a scratch
/// folder instead (the same relative layout inside it); a read finds what the
/// replay itself wrote first, then the path relative to the transcript's
/// folder, then relative to the current folder. Outputs keep showing the
/// paths as the transcript typed them, so a replay still compares equal.
public final class ReplaySandbox {
    /// The folder that receives every write.
    public let scratch: String
    /// The transcript's folder, against which relative reads resolve.
    public let base: String
    /// Scratch path → the path as typed, for everything written so far.
    public private(set) var written: [String: String] = [:]

    /// A fresh, empty scratch folder under the system's temporary folder.
    public init(transcript path: String) throws {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            .filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }.prefix(40)
        scratch = FileManager.default.temporaryDirectory.path + "/gradlab-replay-\(stem)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let dir = (path as NSString).deletingLastPathComponent
        base = URL(fileURLWithPath: dir.isEmpty ? "." : dir).standardizedFileURL.path
    }

    /// The scratch path that stands for `typed` (absolute paths and `..` are
    /// folded inside the scratch folder, so nothing can point out of it).
    func target(_ typed: String) -> String {
        let parts = typed.split(separator: "/").filter { $0 != "." && $0 != ".." && !$0.isEmpty }
        let key = (typed.hasPrefix("/") ? ["_root"] : []) + parts.map(String.init)
        return ([scratch] + (key.isEmpty ? ["_"] : key)).joined(separator: "/")
    }

    /// Where a write of `typed` goes.
    public func redirect(_ typed: String) -> String {
        let t = target(typed)
        written[t] = typed
        return t
    }

    /// Where a read of `typed` comes from.
    public func resolveRead(_ typed: String) -> String {
        let fm = FileManager.default
        let t = target(typed)
        if written[t] != nil || fm.fileExists(atPath: t) { return t }
        if !typed.hasPrefix("/") {
            let b = base + "/" + typed
            if fm.fileExists(atPath: b) { return b }
        }
        return typed
    }

    /// Text with every scratch path written back as typed (the session applies
    /// it to all output, errors included, so commands print the paths they got),
    /// and any other scratch path named as such.
    public func displayText(_ text: String) -> String {
        guard text.contains(scratch) else { return text }
        var t = text
        for (real, typed) in written.sorted(by: { $0.key.count > $1.key.count }) {
            t = t.replacingOccurrences(of: real, with: typed)
        }
        return t.replacingOccurrences(of: scratch, with: "<replay scratch>")
    }

    /// Removes the scratch folder when the replay wrote nothing; else keeps it
    /// and returns its path for the report.
    public func finish() -> String? {
        if written.isEmpty {
            try? FileManager.default.removeItem(atPath: scratch)
            return nil
        }
        return scratch
    }
}
