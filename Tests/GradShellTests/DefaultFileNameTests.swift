import Foundation
import XCTest

@testable import GradShell

final class DefaultFileNameTests: XCTestCase {
    let moment = Date(timeIntervalSince1970: 1_796_102_520)  // 2026-12-01 05:22 UTC
    let utc = TimeZone(identifier: "UTC")!

    func testStampIsTheLocalDateAndTimeToTheMinute() {
        XCTAssertEqual(DefaultFileName.stamp(moment, timeZone: utc), "2026-12-01-0522")
        XCTAssertEqual(
            DefaultFileName.stamp(moment, timeZone: TimeZone(identifier: "Europe/Paris")!), "2026-12-01-0622")
    }

    func testATakenNameGetsTheNextNumber() {
        var taken: Set<String> = []
        func next() -> String {
            let p = DefaultFileName.free(in: "sessions", stem: "session", extension: "md", date: moment, timeZone: utc)
            { taken.contains($0) }
            taken.insert(p)
            return p
        }
        XCTAssertEqual(next(), "sessions/session-2026-12-01-0522.md")
        XCTAssertEqual(next(), "sessions/session-2026-12-01-0522-2.md")
        XCTAssertEqual(next(), "sessions/session-2026-12-01-0522-3.md")
    }

    func testSaveSessionWithoutAPathWritesADatedFileAndNeverOverwrites() throws {
        let dir = NSTemporaryDirectory() + "gradlab-default-name-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = Session(sessionsDirectory: dir)
        s.run("seed 1")
        let first = s.run("save session").output
        let second = s.run("save session").output
        XCTAssertTrue(first.hasPrefix("saved 1 cell to \(dir)/session-"), first)
        XCTAssertNotNil(
            first.range(of: #"session-\d{4}-\d\d-\d\d-\d{4}(-2)?\.md$"#, options: .regularExpression), first)
        XCTAssertNotEqual(first, second)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".md") }
        XCTAssertEqual(files.count, 2, "\(files)")
    }
}
