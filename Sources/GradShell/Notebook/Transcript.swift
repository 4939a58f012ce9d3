import Foundation

/// A saved session: Markdown that reads well on a code-hosting site.
///
/// Grammar (one line at a time):
///
///     transcript := options? (prose | block)*
///     options    := "<!-- gradlab: " (key "=" value)* " -->"     e.g. version=0.2 tolerance=1e-3 abs=1e-6
///     prose      := any line outside a block (Markdown)
///     block      := "```gradlab" flag* NL (command output*)* "```"
///     flag       := "nocheck" | "tolerance=" NUMBER | "abs=" NUMBER
///     command    := "> " gradlab command line
///     output     := any other line: the previous command's output
///
/// Example:
///
///     # Vanishing gradients
///     A 20-layer sigmoid MLP…
///
///     ```gradlab
///     > seed 42
///     seed 42
///     ```
public struct Transcript: Equatable {
    public struct Entry: Equatable {
        public var command: String
        public var output: String
        /// 1-based line of the command in the file.
        public var line: Int
        public var check: Bool
        public var relativeTolerance: Double?
        public var absoluteTolerance: Double?
    }
    public enum Item: Equatable {
        case prose(String)
        case cell(Entry)
    }
    public var title: String?
    public var items: [Item]
    public var relativeTolerance: Double
    public var absoluteTolerance: Double
    /// The gradlab that recorded it (`version=` in the options line), when known.
    public var version: String?

    public static let maximumBytes = 16 << 20
    public static let maximumLine = 1 << 20

    public init(items: [Item], title: String? = nil, relativeTolerance: Double = 1e-3, absoluteTolerance: Double = 1e-6) {
        self.items = items
        self.title = title
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
    }

    /// A transcript of a session's cells.
    public init(cells: [Cell], title: String? = nil) {
        var items: [Item] = []
        for c in cells {
            if c.isProse {
                var t = c.input
                if t.hasPrefix("# ") { t.removeFirst(2) } else if t.hasPrefix("#") { t.removeFirst() }
                // Consecutive prose lines are one paragraph (one Markdown cell in a notebook).
                if case .prose(let before)? = items.last {
                    items[items.count - 1] = .prose(before + "\n" + t)
                } else {
                    items.append(.prose(t))
                }
            } else {
                // A transcript is plain text whatever made the cell (colour is for the terminal only).
                items.append(.cell(Entry(command: c.input, output: Style.plain(c.output), line: 0, check: true)))
            }
        }
        self.init(items: items, title: title)
        version = Session.version
    }

    public var entries: [Entry] { items.compactMap { if case .cell(let e) = $0 { return e }; return nil } }

    /// The Markdown text.
    public func render() -> String {
        var out = "<!-- gradlab: \(version.map { "version=\($0) " } ?? "")tolerance=\(relativeTolerance) abs=\(absoluteTolerance) -->\n"
        // A parsed transcript keeps its heading in the first prose item too.
        if let t = title, !({ if case .prose(let p)? = items.first { return p.hasPrefix("# \(t)") }; return false }()) {
            out += "\n# \(t)\n"
        }
        var lastWasProse = false
        for item in items {
            switch item {
            case .prose(let p):
                out += (lastWasProse ? "" : "\n") + p + "\n"
                lastWasProse = true
            case .cell(let e):
                var flags = ""
                if !e.check { flags += " nocheck" }
                if let r = e.relativeTolerance { flags += " tolerance=\(r)" }
                if let a = e.absoluteTolerance { flags += " abs=\(a)" }
                out += "\n```gradlab\(flags)\n> \(e.command)\n"
                if !e.output.isEmpty {
                    // A line that would end the block or look like a command is indented.
                    for l in e.output.split(separator: "\n", omittingEmptySubsequences: false) {
                        out += (l.hasPrefix("```") || l.hasPrefix("> ") ? " " + l : String(l)) + "\n"
                    }
                }
                out += "```\n"
                lastWasProse = false
            }
        }
        return out
    }

    /// Writes atomically.
    public func write(to path: String) throws {
        try atomicWrite(Data(render().utf8), to: path)
    }

    /// Parses Markdown; errors name the line.
    public static func parse(_ text: String, name: String = "transcript") throws -> Transcript {
        guard text.utf8.count <= maximumBytes else { throw ShellError("\(name) is larger than \(maximumBytes >> 20) MiB; refused") }
        var items: [Item] = []
        var rel = 1e-3, abs = 1e-6
        var version: String? = nil
        var inBlock = false
        var blockCheck = true
        var blockRel: Double? = nil, blockAbs: Double? = nil
        var current: Entry? = nil
        var outLines: [String] = []
        var prose: [String] = []
        func flushEntry() {
            if var e = current {
                while let l = outLines.last, l.isEmpty { outLines.removeLast() }
                e.output = outLines.joined(separator: "\n")
                items.append(.cell(e))
            }
            current = nil
            outLines = []
        }
        func flushProse() {
            while let f = prose.first, f.trimmingCharacters(in: .whitespaces).isEmpty { prose.removeFirst() }
            while let l = prose.last, l.trimmingCharacters(in: .whitespaces).isEmpty { prose.removeLast() }
            if !prose.isEmpty { items.append(.prose(prose.joined(separator: "\n"))) }
            prose = []
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (n, raw) in lines.enumerated() {
            let lineNo = n + 1
            guard raw.utf8.count <= maximumLine else { throw ShellError("\(name):\(lineNo): line is longer than 1 MiB; refused") }
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            if !inBlock {
                if line.hasPrefix("<!-- gradlab:") {
                    for part in line.dropFirst(13).replacingOccurrences(of: "-->", with: "").split(separator: " ") {
                        let kv = part.split(separator: "=", maxSplits: 1)
                        if kv.count == 2, kv[0] == "version", kv[1].count <= 20 { version = String(kv[1]); continue }
                        guard kv.count == 2, let v = Double(kv[1]), v >= 0, v.isFinite else { continue }
                        if kv[0] == "tolerance" { rel = v } else if kv[0] == "abs" { abs = v }
                    }
                    continue
                }
                if line.hasPrefix("```gradlab") {
                    flushProse()
                    inBlock = true
                    blockCheck = true; blockRel = nil; blockAbs = nil
                    for flag in line.dropFirst(10).split(separator: " ") {
                        if flag == "nocheck" { blockCheck = false; continue }
                        let kv = flag.split(separator: "=", maxSplits: 1)
                        if kv.count == 2, let v = Double(kv[1]), v >= 0, v.isFinite {
                            if kv[0] == "tolerance" { blockRel = v; continue }
                            if kv[0] == "abs" { blockAbs = v; continue }
                        }
                        throw ShellError("\(name):\(lineNo): unknown cell option '\(flag)'; accepted: nocheck, tolerance=N, abs=N")
                    }
                    continue
                }
                prose.append(line)
                continue
            }
            if line.hasPrefix("```") {
                flushEntry()
                inBlock = false
                continue
            }
            if line.hasPrefix("> ") || line == ">" {
                flushEntry()
                current = Entry(command: String(line.dropFirst(2)), output: "", line: lineNo, check: blockCheck,
                                relativeTolerance: blockRel, absoluteTolerance: blockAbs)
                continue
            }
            guard current != nil else {
                throw ShellError("\(name):\(lineNo): output before any command in a gradlab block (commands start with '> ')")
            }
            outLines.append(line.hasPrefix(" ```") || line.hasPrefix(" > ") ? String(line.dropFirst()) : line)
        }
        if inBlock { throw ShellError("\(name): a ```gradlab block is never closed") }
        flushProse()
        var t = Transcript(items: items, relativeTolerance: rel, absoluteTolerance: abs)
        t.version = version
        if case .prose(let p)? = items.first, p.hasPrefix("# ") { t.title = String(p.split(separator: "\n")[0].dropFirst(2)) }
        return t
    }

    public static func load(_ path: String) throws -> Transcript {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path) else { throw ShellError("no such file: \(path)") }
        if let size = attrs[.size] as? Int, size > maximumBytes { throw ShellError("\(path) is larger than \(maximumBytes >> 20) MiB; refused") }
        guard let data = FileManager.default.contents(atPath: path) else { throw ShellError("cannot read \(path)") }
        guard let text = String(data: data, encoding: .utf8) else { throw ShellError("\(path) is not UTF-8 text") }
        return try parse(text, name: path)
    }
}
