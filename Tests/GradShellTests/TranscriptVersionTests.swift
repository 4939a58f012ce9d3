import Foundation
import XCTest

@testable import GradShell

/// Transcripts name the gradlab that recorded them; a replay under another
/// version says so, since training numbers change between versions.
final class TranscriptVersionTests: XCTestCase {
    func testSavedTranscriptsNameTheirVersionAndReplaysWarnOnAnother() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-version-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = Session(seed: 42, sessionsDirectory: dir)
        XCTAssertFalse(s.run("seed 7").failed)
        let text = Transcript(cells: s.cells).render()
        XCTAssertTrue(text.hasPrefix("<!-- gradlab: version=\(Session.version) "), text)
        let path = dir + "/t.md"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Transcript.load(path).version, Session.version)
        let same = s.run("replay --check \(path)").output
        XCTAssertFalse(same.contains("recorded with gradlab"), same)

        let old = text.replacingOccurrences(of: "version=\(Session.version)", with: "version=0.1")
        try old.write(toFile: path, atomically: true, encoding: .utf8)
        let other = s.run("replay --check \(path)").output
        XCTAssertTrue(other.contains("note: recorded with gradlab 0.1, replayed with gradlab \(Session.version)"), other)
        // Older transcripts have no version: no note.
        try text.replacingOccurrences(of: "version=\(Session.version) ", with: "").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertNil(try Transcript.load(path).version)
        XCTAssertFalse(s.run("replay --check \(path)").output.contains("recorded with gradlab"))
    }
}
