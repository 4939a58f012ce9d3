import Foundation
import GradNN

/// `export ipynb|md PATH`: the session as a Jupyter notebook or Markdown.
struct ExportCommand: Command {
    static let spec = CommandSpec(name: "export", summary: "export the session as a Jupyter notebook (.ipynb) or Markdown",
                                  usage: "export ipynb|md PATH", positional: .words(["ipynb", "md"]),
                                  examples: ["export ipynb sessions/demo.ipynb", "export md sessions/demo.md"], category: "notebook")
    let format: String
    let path: String
    init(_ args: inout Arguments, session: Session) throws {
        guard let a = args.nextArgument() else { throw ShellError("export what? ipynb or md") }
        format = try Arguments.choice(a, name: "format", from: ["ipynb", "md", "markdown"])
        guard let p = try args.string("path", positional: true) else { throw ShellError("export \(format) needs a PATH") }
        path = p
    }
    func run(_ session: Session) throws -> String {
        let t = Transcript(cells: session.cells)
        let p = try session.writablePath(path, defaultExtension: format == "ipynb" ? "ipynb" : "md")
        let data = format == "ipynb" ? try NotebookExport.ipynb(t) : Data(NotebookExport.markdown(t).utf8)
        do { try atomicWrite(data, to: p) } catch { throw ShellError("cannot write \(p): \(error.localizedDescription)") }
        return "exported \(t.entries.count) cells to \(p)"
    }
}

