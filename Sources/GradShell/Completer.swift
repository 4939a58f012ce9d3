import Foundation
import GradNN

/// Tab completion from the command registry: command names, subcommands and
/// layer kinds, `key=` names, values of keys, and file paths.
public enum Completer {
    /// Candidates for the word that ends at the end of `line`.
    public static func complete(_ line: String, session: Session? = nil) -> [String] {
        let endsWithSpace = line.last == " "
        var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let current = endsWithSpace ? "" : (words.popLast() ?? "")
        if words.isEmpty {
            return (Registry.names + Array(Registry.aliases.keys)).filter { $0.hasPrefix(current.lowercased()) }.sorted()
        }
        guard let spec = Registry.spec(named: words[0].lowercased()) else { return [] }
        if let eq = current.firstIndex(of: "=") {
            let key = String(current[..<eq]), value = String(current[current.index(after: eq)...])
            guard let k = spec.keys.first(where: { $0.name == key }) else { return [] }
            return values(for: k.completion, prefix: value, session: session).map { key + "=" + $0 }
        }
        var out: [String] = []
        let positionalCount = words.dropFirst().filter { !$0.contains("=") }.count
        if positionalCount == 0 {
            out += values(for: spec.positional, prefix: current, session: session)
        } else if case .paths = spec.positional {
        } else if ["model", "replay", "export", "exercise", "save", "data"].contains(spec.name) {
            out += values(for: .paths, prefix: current, session: session)
        }
        if spec.name == "add", let kind = words.dropFirst().first {
            let allowed = AddCommand.keys(for: kind)
            out += spec.keys.filter { allowed.contains($0.name) }.map { $0.name + "=" }.filter { $0.hasPrefix(current) }
        } else {
            out += spec.keys.map { $0.name + "=" }.filter { $0.hasPrefix(current) }
        }
        return out.sorted()
    }

    static func values(for c: Completion, prefix: String, session: Session?) -> [String] {
        switch c {
        case .none: return []
        case .words(let w): return w.filter { $0.hasPrefix(prefix) }
        case .layerKinds: return AddCommand.kinds.filter { $0.hasPrefix(prefix) }
        case .commands: return (Registry.names + HelpTopics.names).filter { $0.hasPrefix(prefix) }
        case .paths:
            let expanded = (prefix as NSString).expandingTildeInPath
            let dir = prefix.hasSuffix("/") ? expanded : (expanded as NSString).deletingLastPathComponent
            let base = prefix.hasSuffix("/") ? "" : (expanded as NSString).lastPathComponent
            let shownDir = prefix.hasSuffix("/") ? prefix : (prefix as NSString).deletingLastPathComponent
            guard let items = try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir) else { return [] }
            return items.filter { $0.hasPrefix(base) && !$0.hasPrefix(".") }.sorted().map { name in
                var isDir: ObjCBool = false
                let full = (dir.isEmpty ? name : dir + "/" + name)
                FileManager.default.fileExists(atPath: full, isDirectory: &isDir)
                return (shownDir.isEmpty ? "" : (shownDir.hasSuffix("/") ? shownDir : shownDir + "/")) + name + (isDir.boolValue ? "/" : "")
            }
        }
    }
}

extension AddCommand {
    /// The keys that make sense for a layer kind (for completion).
    static func keys(for kind: String) -> [String] {
        (LayerRegistry.spec(keyword: kind)?.keys.map(\.name) ?? []) + ["name"]
    }
}
