import Foundation

/// Exports a transcript as a Jupyter notebook (nbformat 4.5) or plain Markdown.
public enum NotebookExport {
    public static func ipynb(_ t: Transcript) throws -> Data {
        func lines(_ s: String) -> [String] {
            let parts = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            return parts.enumerated().map { $0.offset < parts.count - 1 ? $0.element + "\n" : $0.element }
        }
        var cells: [[String: Any]] = []
        var n = 0
        if let title = t.title, !(t.items.first.map { if case .prose(let p) = $0 { return p.hasPrefix("# ") }; return false } ?? false) {
            cells.append(["cell_type": "markdown", "id": "title", "metadata": [String: Any](), "source": lines("# " + title)])
        }
        for (i, item) in t.items.enumerated() {
            switch item {
            case .prose(let p):
                cells.append(["cell_type": "markdown", "id": "md-\(i)", "metadata": [String: Any](), "source": lines(p)])
            case .cell(let e):
                n += 1
                var outputs: [[String: Any]] = []
                if !e.output.isEmpty {
                    outputs.append(["output_type": "stream", "name": "stdout", "text": lines(e.output + "\n")])
                }
                cells.append(["cell_type": "code", "id": "cell-\(i)", "execution_count": n, "metadata": [String: Any](),
                              "outputs": outputs, "source": lines(e.command)])
            }
        }
        let nb: [String: Any] = [
            "cells": cells,
            "metadata": ["kernelspec": ["name": "gradlab", "display_name": "gradlab", "language": "gradlab"],
                         "language_info": ["name": "gradlab", "file_extension": ".md"]],
            "nbformat": 4, "nbformat_minor": 5,
        ]
        return try JSONSerialization.data(withJSONObject: nb, options: [.prettyPrinted, .sortedKeys])
    }

    /// Markdown for reading: prose as is, each cell as a console block.
    public static func markdown(_ t: Transcript) -> String {
        var out = ""
        if let title = t.title { out += "# \(title)\n\n" }
        for item in t.items {
            switch item {
            case .prose(let p): out += p + "\n\n"
            case .cell(let e):
                out += "```console\ngradlab> \(e.command)\n" + (e.output.isEmpty ? "" : e.output + "\n") + "```\n\n"
            }
        }
        return out
    }
}
