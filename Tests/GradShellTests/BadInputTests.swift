import Foundation
import GradNN
import GradTensor
import XCTest
@testable import GradShell

/// Replays the bad-input corpus in Tests/BadInput (see its README):
/// every bad line and hostile file must give an `error:`, never a crash, and
/// leave the session exactly as it was (model, weights, optimizer, data,
/// random generator, undo stack…; the cell list aside).
///
/// A crash must not take the test run down with it: before replaying in
/// process, a child process (this test bundle, running
/// testZZCrashProbeChild) runs every command line, scenario and findings
/// file; an entry that kills it is reported as a failure naming the entry
/// and the trap, and skipped in process (the child is restarted after it).
///
/// Open findings (entries gradlab still mishandles: commands/findings*.txt,
/// files/findings/, scenarios/findings-*.txt) run in
/// testZKnownFindingsAreRefused; GRADLAB_BADINPUT_SKIP_FINDINGS=1 skips
/// them while they are open.
final class BadInputTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("BadInput").path

    var root = ""
    /// Where the session may write (as during replay).
    var sandbox = ""
    /// A folder the session must never write into.
    var outside = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "gradlab-badinput-" + UUID().uuidString
        sandbox = root + "/sandbox"
        outside = root + "/outside"
        try FileManager.default.createDirectory(atPath: sandbox + "/sessions", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: - Session and state

    /// Moons data with a validation split, a compiled 4-layer model trained
    /// for one epoch; writes confined to the sandbox; no cells.
    func preparedSession() -> Session {
        let s = Session(seed: 42, sessionsDirectory: sandbox + "/sessions")
        s.tutorialsDirectory = sandbox + "/tutorials"
        for line in ["seed 42", "data moons n=200 validation=50", "model new", "add dense 8 activation=relu",
                     "add batchnorm", "add dropout 0.2", "add dense 2 activation=softmax",
                     "compile loss=sparse_categorical_crossentropy optimizer=adam metrics=accuracy",
                     "fit epochs=1 batch_size=32 verbose=0"] {
            let c = s.run(line)
            XCTAssertFalse(c.failed, "setup: \(line): \(c.output)")
        }
        s.writableRoots = [sandbox]
        s.resetCells()
        return s
    }

    /// Everything a failed command must leave alone (`Session.stateFingerprint`, shared with the fuzzer).
    static func fingerprint(_ s: Session) -> [String] { s.stateFingerprint() }

    /// What changed between two fingerprints, for the failure message.
    static func difference(_ a: [String], _ b: [String]) -> String {
        let changed = zip(a, b).filter { $0 != $1 }.map { "    \($0.0)\n  → \($0.1)" }
        let extra = a.count == b.count ? [] : ["    \(a.count) → \(b.count) lines"]
        return (changed + extra).joined(separator: "\n")
    }

    /// Files in `outside` (must stay empty).
    func outsideFiles() -> [String] {
        (FileManager.default.enumerator(atPath: outside)?.allObjects as? [String]) ?? []
    }

    /// Runs `line` in `s` and asserts it failed with `error:` and changed
    /// nothing. Returns false when the session changed (callers then start
    /// over with a fresh one, so one accepted line does not skew the rest).
    @discardableResult
    func assertRefused(_ line: String, in s: Session, _ origin: String, file: StaticString = #filePath, line l: UInt = #line) -> Bool {
        s.resetCells()
        let before = Self.fingerprint(s)
        let started = Date()
        let cell = s.run(line)
        let shown = Self.preview(line)
        XCTAssertTrue(cell.failed, "\(origin): accepted: \(shown)\n  output: \(cell.output.prefix(300))", file: file, line: l)
        XCTAssertTrue(cell.output.contains("error:"), "\(origin): no `error:` for \(shown)\n  output: \(cell.output.prefix(300))", file: file, line: l)
        XCTAssertLessThan(cell.output.utf8.count, 20_000, "\(origin): \(cell.output.utf8.count)-byte answer to \(shown)", file: file, line: l)
        let after = Self.fingerprint(s)
        if after != before {
            XCTFail("\(origin): \(shown) changed the session (output: \(cell.output.prefix(200)))\n\(Self.difference(before, after))", file: file, line: l)
        }
        XCTAssertEqual(outsideFiles(), [], "\(origin): \(shown) wrote outside the sandbox", file: file, line: l)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "\(origin): \(shown) took too long to be refused", file: file, line: l)
        return after == before
    }

    /// assertRefused for each entry, in a prepared session renewed after any
    /// change; entries the crash probe saw crash are reported, not run.
    func assertAllRefused(_ list: [Entry]) throws {
        var session = preparedSession()
        for e in list {
            if !e.file.isEmpty, try crashed(Job(kind: .line, path: e.file, index: e.index), "\(e.origin): \(Self.preview(e.text))") { continue }
            if !assertRefused(e.text, in: session, e.origin) { session = preparedSession() }
        }
    }

    static func preview(_ line: String) -> String {
        let p = line.count > 120 ? String(line.prefix(100)) + "… (\(line.utf8.count) bytes)" : line
        return p.debugDescription
    }

    // MARK: - Corpus files

    struct Entry {
        var text: String
        var origin: String
        /// The corpus file and index, for the crash probe.
        var file = ""
        var index = 0
        /// For scenarios: "!" must fail, "?" must not crash, "" setup.
        var mode: Character = "!"
    }

    func substitute(_ s: String) -> String {
        s.replacingOccurrences(of: "{BAD}", with: Self.corpus)
            .replacingOccurrences(of: "{SANDBOX}", with: sandbox)
            .replacingOccurrences(of: "{OUTSIDE}", with: outside)
    }

    /// `\xNN` escapes as bytes, other characters as their UTF-8.
    static func unescapedBytes(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = Array(s.utf8)[...]
        while let c = chars.first {
            if c == UInt8(ascii: "\\"), chars.count >= 4, chars[chars.startIndex + 1] == UInt8(ascii: "x"),
               let v = UInt8(String(decoding: chars[(chars.startIndex + 2)..<(chars.startIndex + 4)], as: UTF8.self), radix: 16) {
                out.append(v)
                chars = chars.dropFirst(4)
            } else {
                out.append(c)
                chars = chars.dropFirst()
            }
        }
        return out
    }

    /// The entries of one corpus file (see Tests/BadInput/README.md).
    func entries(_ path: String, scenario: Bool = false) throws -> [Entry] {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path), "cannot read \(path)")
        let name = (path as NSString).lastPathComponent
        var result: [Entry] = []
        for (n, raw) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let text = String(decoding: raw, as: UTF8.self)
            if text.hasPrefix(";;") || (text.isEmpty && !scenario) || (scenario && text.trimmingCharacters(in: .whitespaces).isEmpty) { continue }
            let origin = "\(name):\(n + 1)"
            var mode: Character = "!"
            var body = text
            if scenario {
                if text.hasPrefix("! ") || text.hasPrefix("? ") { mode = text.first!; body = String(text.dropFirst(2)) } else { mode = " " }
            }
            let bytes: [UInt8]
            if body.hasPrefix("@hex") {
                let hex = body.dropFirst(4).filter { !$0.isWhitespace }
                XCTAssertEqual(hex.count % 2, 0, "\(origin): odd number of hex digits")
                var b: [UInt8] = []
                var i = hex.startIndex
                while i < hex.endIndex {
                    let j = hex.index(i, offsetBy: 2)
                    b.append(try XCTUnwrap(UInt8(hex[i..<j], radix: 16), "\(origin): bad hex"))
                    i = j
                }
                bytes = b
            } else if body.hasPrefix("@repeat ") {
                let rest = body.dropFirst(8)
                let space = try XCTUnwrap(rest.firstIndex(of: " "), "\(origin): @repeat N TEXT")
                let n = try XCTUnwrap(Int(rest[..<space]), "\(origin): @repeat N TEXT")
                let unit = Self.unescapedBytes(String(rest[rest.index(after: space)...]))
                XCTAssertFalse(unit.isEmpty, "\(origin): empty @repeat text")
                bytes = (0..<n).map { unit[$0 % unit.count] }
            } else {
                bytes = Array(substitute(body).utf8)
            }
            // As a terminal delivers a line: invalid UTF-8 becomes U+FFFD.
            result.append(Entry(text: String(decoding: bytes, as: UTF8.self), origin: origin, file: path, index: result.count, mode: mode))
        }
        return result
    }

    func commandFiles(_ filter: (String) -> Bool) throws -> [String] {
        let dir = Self.corpus + "/commands"
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".txt") && filter($0) }.sorted().map { dir + "/" + $0 }
    }

    func files(_ folder: String) -> [String] {
        let dir = Self.corpus + "/files/" + folder
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
    }

    var skipFindings: Bool { ProcessInfo.processInfo.environment["GRADLAB_BADINPUT_SKIP_FINDINGS"] == "1" }

    // MARK: - Crash probe (a child process runs every entry first)

    /// One unit of work for the child: a corpus line (file, index), a
    /// scenario file, a model.json file or a model folder.
    struct Job {
        enum Kind: String { case line, scenario, json, model }
        var kind: Kind
        var path: String
        var index = 0
        var key: String { "\(kind.rawValue) \(path) \(index)" }
    }

    /// Every job the in-process tests will run through the shell.
    func probeJobs() throws -> [Job] {
        var jobs: [Job] = []
        for f in try commandFiles({ $0 != "noop.txt" && !(skipFindings && $0.hasPrefix("findings")) }) {
            jobs += (0..<(try entries(f).count)).map { Job(kind: .line, path: f, index: $0) }
        }
        jobs += try scenarioFiles({ !(skipFindings && $0.hasPrefix("findings")) }).map { Job(kind: .scenario, path: $0) }
        if !skipFindings {
            jobs += (files("findings/json") + files("findings/crash/json")).map { Job(kind: .json, path: $0) }
            jobs += files("findings/crash/models").map { Job(kind: .model, path: $0) }
        }
        return jobs
    }

    /// Parsed corpus files (the child looks entries up by index).
    var parsed: [String: [Entry]] = [:]

    /// Runs a job without assertions (in the child).
    func exercise(_ job: Job, _ session: inout Session, progress: (String) -> Void) throws {
        switch job.kind {
        case .line:
            if parsed[job.path] == nil { parsed[job.path] = try entries(job.path) }
            let text = parsed[job.path]![job.index].text
            session.resetCells()
            let before = Self.fingerprint(session)
            session.run(text)
            if Self.fingerprint(session) != before { session = preparedSession() }
        case .scenario:
            let s = preparedSession()
            for (k, e) in try entries(job.path, scenario: true).enumerated() {
                progress("line \(k + 1): \(Self.preview(e.text))")
                s.run(e.text)
            }
        case .json:
            if let obj = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: job.path)))) as? [String: Any] {
                _ = try? ModelStore.fromArchitecture(obj)
            }
            try copyModelJSON(job.path).map { session.run("model load \($0)") }
        case .model:
            _ = try? ModelStore.load(from: job.path)
            session.run("model load \(job.path)")
        }
    }

    /// Job key → how it crashed, for this process's corpus (computed once).
    nonisolated(unsafe) static var probeResult: [String: String]? = nil

    func crashes() throws -> [String: String] {
        if let r = Self.probeResult { return r }
        var result: [String: String] = [:]
        defer { Self.probeResult = result }
        let me = ProcessInfo.processInfo.arguments[0]
        guard me.hasSuffix(".xctest"), ProcessInfo.processInfo.environment["GRADLAB_BADINPUT_PROBE"] != "0" else { return result }
        let jobs = try probeJobs()
        let jobFile = root + "/probe-jobs.txt", progress = root + "/probe-progress.txt", log = root + "/probe-stderr.txt"
        try jobs.map { "\($0.kind.rawValue)\t\($0.path)\t\($0.index)" }.joined(separator: "\n")
            .write(toFile: jobFile, atomically: true, encoding: .utf8)
        var start = 0
        while start < jobs.count {
            FileManager.default.createFile(atPath: progress, contents: nil)
            FileManager.default.createFile(atPath: log, contents: nil)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: me)
            p.arguments = ["GradShellTests.BadInputTests/testZZCrashProbeChild"]
            var env = ProcessInfo.processInfo.environment
            env["SWIFT_BACKTRACE"] = "enable=no"
            env["GRADLAB_BADINPUT_CHILD"] = "\(jobFile)\t\(start)\t\(progress)"
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle(forWritingAtPath: log)
            try p.run()
            let deadline = Date().addingTimeInterval(120)
            while p.isRunning && Date() < deadline { usleep(20_000) }
            let hung = p.isRunning
            if hung { p.terminate(); p.waitUntilExit() }
            let marks = ((try? String(contentsOfFile: progress, encoding: .utf8)) ?? "").split(separator: "\n")
            if marks.last == "done" { break }
            guard let lastJob = marks.last(where: { $0.hasPrefix("job ") }), let i = Int(lastJob.dropFirst(4)), i >= start else {
                XCTFail("crash probe: the child stopped before running any job (\(p.terminationReason == .uncaughtSignal ? "signal" : "exit") \(p.terminationStatus)); see \(log)")
                break
            }
            let detail = marks.last.map { $0.hasPrefix("job ") ? "" : " at " + $0 } ?? ""
            let errors = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
            let trap = errors.first { $0.contains("Fatal error") || $0.contains("runtime failure") || $0.contains("ERROR:") }.map(String.init)
                ?? (p.terminationStatus == 4 ? "SIGILL (a Swift runtime trap: overflow, failed precondition…)" : "signal \(p.terminationStatus)")
            result[jobs[i].key] = (hung ? "hung for 120 s" : "crashed gradlab") + detail + ": " + trap
            start = i + 1
        }
        return result
    }

    /// Fails (and returns true) when the probe saw `job` crash.
    func crashed(_ job: Job, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws -> Bool {
        guard let how = try crashes()[job.key] else { return false }
        XCTFail("\(what) \(how)", file: file, line: line)
        return true
    }

    /// The child side of the probe: runs jobs from the file named in
    /// GRADLAB_BADINPUT_CHILD, marking progress before each; does nothing
    /// in a normal test run.
    func testZZCrashProbeChild() throws {
        guard let spec = ProcessInfo.processInfo.environment["GRADLAB_BADINPUT_CHILD"] else { return }
        let parts = spec.split(separator: "\t").map(String.init)
        let jobs = try String(contentsOfFile: parts[0], encoding: .utf8).split(separator: "\n").map { l -> Job in
            let f = l.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Job(kind: Job.Kind(rawValue: f[0])!, path: f[1], index: Int(f[2])!)
        }
        let mark = try FileHandle(forWritingTo: URL(fileURLWithPath: parts[2]))
        // A plain write reaches the file even if the process then traps.
        func note(_ s: String) { mark.write(Data((s + "\n").utf8)) }
        var session = preparedSession()
        for i in Int(parts[1])!..<jobs.count {
            note("job \(i)")
            do { try exercise(jobs[i], &session, progress: note) } catch { note("error \(error)") }
        }
        note("done")
    }

    // MARK: - Command lines

    func testCommandCorpusIsRefused() throws {
        var all: [Entry] = []
        for file in try commandFiles({ $0 != "noop.txt" && !$0.hasPrefix("findings") }) { all += try entries(file) }
        XCTAssertGreaterThan(all.count, 1000, "the corpus shrank")
        try assertAllRefused(all)
    }

    func testBlankLinesChangeNothing() throws {
        let session = preparedSession()
        for e in try entries(Self.corpus + "/commands/noop.txt") {
            session.resetCells()
            let before = Self.fingerprint(session)
            let cell = session.run(e.text)
            XCTAssertFalse(cell.failed, "\(e.origin): \(cell.output)")
            XCTAssertEqual(cell.output, "", "\(e.origin)")
            XCTAssertEqual(session.cells.count, 0, "\(e.origin): a blank line became a cell")
            XCTAssertEqual(Self.fingerprint(session), before, "\(e.origin)")
        }
    }

    /// Runs a multi-line scenario on a fresh prepared session: setup lines
    /// must succeed, `!` lines must be refused, `?` lines may do either but
    /// must not crash (and must change nothing when they fail).
    func runScenario(_ path: String) throws {
        if try crashed(Job(kind: .scenario, path: path), (path as NSString).lastPathComponent) { return }
        let session = preparedSession()
        for e in try entries(path, scenario: true) {
            switch e.mode {
            case "!":
                assertRefused(e.text, in: session, e.origin)
            case "?":
                session.resetCells()
                let before = Self.fingerprint(session)
                let cell = session.run(e.text)
                if cell.failed {
                    XCTAssertTrue(cell.output.contains("error:"), "\(e.origin): \(cell.output)")
                    let after = Self.fingerprint(session)
                    if after != before { XCTFail("\(e.origin): \(e.text) failed and changed the session\n\(Self.difference(before, after))") }
                }
            default:
                let cell = session.run(e.text)
                XCTAssertFalse(cell.failed, "\(e.origin): setup line failed: \(e.text): \(cell.output)")
            }
        }
    }

    func scenarioFiles(_ filter: (String) -> Bool) throws -> [String] {
        let dir = Self.corpus + "/scenarios"
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".txt") && filter($0) }.sorted().map { dir + "/" + $0 }
    }

    func testScenarios() throws {
        for f in try scenarioFiles({ !$0.hasPrefix("findings") }) { try runScenario(f) }
    }

    // MARK: - Hostile files, loaders called directly

    func testIDXFilesAreRefused() throws {
        let list = files("idx")
        XCTAssertGreaterThan(list.count, 20)
        for f in list {
            let bytes = [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: f)))
            XCTAssertThrowsError(try IDX.parse(bytes, name: f), f) { XCTAssertTrue($0 is DataError, "\(f): \($0)") }
            XCTAssertThrowsError(try IDX.parse(IDX.readFile(f), name: f), f) { XCTAssertTrue($0 is DataError, "\(f): \($0)") }
            XCTAssertThrowsError(try IDX.load(images: f, labels: f), f)
        }
    }

    func testCSVFilesAreRefused() throws {
        let list = files("csv")
        XCTAssertGreaterThan(list.count, 20)
        for f in list {
            XCTAssertThrowsError(try CSV.load(path: f, label: nil), f) { XCTAssertTrue($0 is DataError, "\(f): \($0)") }
            XCTAssertThrowsError(try CSV.load(path: f, label: "0"), f)
        }
    }

    func testTranscriptFilesAreRefused() throws {
        let list = files("transcripts")
        XCTAssertGreaterThan(list.count, 10)
        for f in list {
            XCTAssertThrowsError(try Transcript.load(f), f) { XCTAssertTrue($0 is ShellError, "\(f): \($0)") }
        }
    }

    func testSafetensorsFilesAreRefused() throws {
        let list = files("safetensors")
        XCTAssertGreaterThan(list.count, 30)
        for f in list {
            let data = try XCTUnwrap(FileManager.default.contents(atPath: f))
            XCTAssertThrowsError(try SafeTensors.decode(data, name: f), f) { XCTAssertTrue($0 is ModelError, "\(f): \($0)") }
        }
    }

    /// model.json descriptions: invalid JSON or refused by fromArchitecture.
    func assertModelJSONRefused(_ f: String) throws {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: f))
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return }
        XCTAssertThrowsError(try ModelStore.fromArchitecture(obj), f) { XCTAssertTrue($0 is ModelError, "\(f): \($0)") }
    }

    func testModelJSONFilesAreRefused() throws {
        let list = files("json")
        XCTAssertGreaterThan(list.count, 30)
        for f in list { try assertModelJSONRefused(f) }
    }

    func testTooManyLayersAreRefused() throws {
        let layers = (0...10_000).map { ["class_name": "Flatten", "name": "f\($0)"] as [String: Any] }
        XCTAssertThrowsError(try ModelStore.fromArchitecture(["layers": layers]))
        let dir = sandbox + "/many-layers"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: ["layers": layers]).write(to: URL(fileURLWithPath: dir + "/model.json"))
        let session = preparedSession()
        assertRefused("model load \(dir)", in: session, "10001 layers")
    }

    func testModelFoldersAreRefused() throws {
        let list = files("models")
        XCTAssertGreaterThan(list.count, 10)
        for f in list {
            XCTAssertThrowsError(try ModelStore.load(from: f), f) { XCTAssertTrue($0 is ModelError, "\(f): \($0)") }
        }
    }

    // MARK: - Hostile files through the shell

    func testHostileFilesAreRefusedByTheShell() throws {
        let session = preparedSession()
        let okImages = Self.corpus + "/files/idx-pairs/ok-images.idx", okLabels = Self.corpus + "/files/idx-pairs/ok-labels.idx"
        for f in files("idx") {
            assertRefused("data idx \(f) \(okLabels)", in: session, "idx images")
            assertRefused("data idx \(okImages) \(f)", in: session, "idx labels")
            assertRefused("data idx \(okImages) \(okLabels) \(f) \(okLabels)", in: session, "idx test images")
        }
        try assertIDXSetsRefused(Self.corpus + "/files/idx-pairs/pairs.txt")
        for f in files("csv") {
            assertRefused("data csv \(f)", in: session, "csv")
            assertRefused("data csv \(f) validation=1", in: session, "csv")
            assertRefused("data csv \(Self.corpus)/files/valid/three-features.csv test=\(f)", in: session, "csv test=")
        }
        for f in files("transcripts") {
            assertRefused("replay \(f)", in: session, "transcript")
            assertRefused("replay \(f) --check", in: session, "transcript")
            assertRefused("exercise open \(f)", in: session, "transcript")
        }
        for f in files("exercises") {
            assertRefused("exercise open \(f)", in: session, "exercise")
        }
        for f in files("models") {
            assertRefused("model load \(f)", in: session, "model folder")
            assertRefused("model reuse \(f) layers=0", in: session, "model folder")
        }
        for f in files("json") { try assertModelJSONRefusedByTheShell(f, session) }
    }

    /// A model folder in the sandbox holding `f` as model.json, with plausible weights.
    func copyModelJSON(_ f: String) throws -> String? {
        guard let weights = FileManager.default.contents(atPath: Self.corpus + "/files/models/not-json/model.safetensors") else { return nil }
        let dir = sandbox + "/json-" + (f as NSString).lastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: dir + "/model.json")
        try FileManager.default.copyItem(atPath: f, toPath: dir + "/model.json")
        try weights.write(to: URL(fileURLWithPath: dir + "/model.safetensors"))
        return dir
    }

    /// `model load` of a folder holding `f` as model.json.
    func assertModelJSONRefusedByTheShell(_ f: String, _ session: Session) throws {
        let dir = try XCTUnwrap(try copyModelJSON(f))
        assertRefused("model load \(dir)", in: session, "json " + (f as NSString).lastPathComponent)
    }

    func assertIDXSetsRefused(_ listFile: String) throws {
        let text = try String(contentsOfFile: listFile, encoding: .utf8)
        var list: [Entry] = []
        for (n, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") {
            let args = line.split(separator: " ").map { Self.corpus + "/files/idx-pairs/" + $0 }.joined(separator: " ")
            list.append(Entry(text: "data idx " + args, origin: "\((listFile as NSString).lastPathComponent):\(n + 1)"))
        }
        try assertAllRefused(list)
    }

    /// A transcript with a 100 MB line (and one with a 2 MiB line under the
    /// size limit) is refused with a clear message, before running anything.
    func testHugeTranscriptLinesAreRefused() throws {
        let big = sandbox + "/huge-line.md"
        FileManager.default.createFile(atPath: big, contents: Data("```gradlab\n> note ".utf8))
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
        h.seekToEndOfFile()
        let chunk = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
        for _ in 0..<100 { h.write(chunk) }
        h.write(Data("\n```\n".utf8))
        h.closeFile()
        XCTAssertThrowsError(try Transcript.load(big)) { e in
            XCTAssertTrue("\(e)".contains("MiB"), "unclear message: \(e)")
        }
        let session = preparedSession()
        assertRefused("replay \(big)", in: session, "100 MB line")
        assertRefused("exercise open \(big)", in: session, "100 MB line")
        try FileManager.default.removeItem(atPath: big)

        let line = "```gradlab\n> note " + String(repeating: "b", count: 2 << 20) + "\n```\n"
        XCTAssertThrowsError(try Transcript.parse(line, name: "two-mib")) { e in
            XCTAssertTrue("\(e)".contains("two-mib:2"), "message should name the line: \(e)")
        }
        let medium = sandbox + "/two-mib-line.md"
        try Data(line.utf8).write(to: URL(fileURLWithPath: medium))
        assertRefused("replay \(medium)", in: session, "2 MiB line")
    }

    /// A transcript from a stranger cannot write anywhere but the replay's
    /// scratch folder (its writes are redirected there), nor replay another.
    func testReplayCannotWriteOutsideItsFolder() throws {
        let folder = sandbox + "/downloads"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let home = "~/gradlab-badinput-export-\(UUID().uuidString).md"
        let hostile = [
            "save session \(outside)/stolen.md",
            "export md \(outside)/export.md",
            "export ipynb \(outside)/export.ipynb",
            "export md \(home)",
            "model save \(outside)/model",
            "model save /",
            "plot loss file=\(outside)/loss.svg",
            "fit epochs=1 verbose=0 callbacks=model_checkpoint(path=\(outside)/best)",
            "search learning_rate=0.01 trials=1 epochs=1 callbacks=model_checkpoint(path=\(outside)/best2)",
            "replay \(folder)/escape.md",
            "replay \(Self.corpus)/files/transcripts/unclosed-block.md",
        ]
        let text = "# Escape attempts\n\n" + hostile.map { "```gradlab\n> \($0)\n```\n" }.joined(separator: "\n")
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/escape.md"))
        let session = preparedSession()
        session.writableRoots = nil
        session.resetCells()
        let cell = session.run("replay \(folder)/escape.md")
        XCTAssertEqual(outsideFiles(), [], "a replayed transcript wrote outside its folder: \(cell.output)")
        let ran = session.cells.filter { c in hostile.contains(c.input) }
        XCTAssertEqual(ran.count, hostile.filter { !$0.hasPrefix("replay") }.count, "every hostile line but the nested replays runs as a cell")
        XCTAssertFalse(FileManager.default.fileExists(atPath: (home as NSString).expandingTildeInPath), "a replay wrote in the home folder")
        for c in ran { XCTAssertFalse(c.output.contains("gradlab-replay-"), "the scratch folder shows in the output: \(c.output)") }
        XCTAssertTrue(cell.output.contains("files the transcript wrote went to "), cell.output)
        XCTAssertNil(session.writableRoots, "replay must restore the session's write roots")
        XCTAssertNil(session.sandbox, "replay must end its sandbox")
        XCTAssertEqual(session.replayDepth, 0)
    }

    // MARK: - Open findings

    func testZKnownFindingsAreRefused() throws {
        try XCTSkipIf(skipFindings, "GRADLAB_BADINPUT_SKIP_FINDINGS=1")
        try assertAllRefused(try entries(Self.corpus + "/commands/findings.txt") + entries(Self.corpus + "/commands/findings-crash.txt"))
        for f in files("findings/csv") {
            XCTAssertThrowsError(try CSV.load(path: f, label: nil), f)
            assertRefused("data csv \(f)", in: preparedSession(), "findings/csv")
        }
        for f in files("findings/json") + files("findings/crash/json") {
            if try crashed(Job(kind: .json, path: f), (f as NSString).lastPathComponent) { continue }
            try assertModelJSONRefused(f)
            try assertModelJSONRefusedByTheShell(f, preparedSession())
        }
        for f in files("findings/crash/models") {
            if try crashed(Job(kind: .model, path: f), "model load \((f as NSString).lastPathComponent)") { continue }
            XCTAssertThrowsError(try ModelStore.load(from: f), f)
            assertRefused("model load \(f)", in: preparedSession(), "findings/crash/models")
        }
        try assertIDXSetsRefused(Self.corpus + "/files/findings/idx-pairs.txt")
        for f in try scenarioFiles({ $0.hasPrefix("findings-") }) { try runScenario(f) }
    }
}
