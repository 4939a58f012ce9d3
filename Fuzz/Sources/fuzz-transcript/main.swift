import FuzzSupport
import GradShell

// Transcript.parse on arbitrary UTF-8 text (Transcript.load refuses other
// bytes): must return or throw ShellError. A parsed transcript must render
// and parse again to the same cells (what `save session` then `replay` relies on).
runFuzzer { bytes in
    guard let text = utf8Text(bytes) else { return }
    let t: Transcript
    do {
        t = try Transcript.parse(text, name: "fuzz.md")
    } catch is ShellError {
        return
    } catch {
        finding("Transcript.parse threw a non-ShellError: \(error)")
    }
    _ = t.entries
    let rendered = t.render()
    do {
        let again = try Transcript.parse(rendered, name: "rendered.md")
        let a = t.entries.map { ($0.command, $0.check) }, b = again.entries.map { ($0.command, $0.check) }
        if a.count != b.count || zip(a, b).contains(where: { $0 != $1 }) {
            finding("render/parse round trip changed the commands: \(a) → \(b)")
        }
    } catch {
        finding("a rendered transcript does not parse again: \(error)")
    }
}
