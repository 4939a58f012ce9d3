import ArgumentParser
import Foundation
import GradShell

/// `gradlab grade EXERCISE.md HANDIN…`: grades a class. Each hand-in is
/// replayed in a child process of its own (this executable, `grade-one`) with
/// a time limit, a memory limit and a scratch folder of its own, so a hostile
/// hand-in costs its own row and nothing else; the children run side by side
/// on the machine's cores.
struct Grade: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Grade hand-ins against an exercise: replay each in a sandbox, evaluate the exercise's goals, flag broken rules.",
        discussion: """
            Give the exercise as it was handed out (sealed or not). Writes a CSV (one row per hand-in: file, reproduces, \\
            goals met / total, each goal's measured value, flags, seconds) and a Markdown summary, and prints the summary. \\
            No hand-in is ever written to: each replay writes only into its own scratch folder, removed afterwards.
            """)
    @ArgumentParser.Argument(help: "The exercise, as handed out.") var exercise: String
    @ArgumentParser.Argument(help: "The hand-ins (transcripts).") var handIns: [String]
    @Option(help: "Where the CSV goes.") var csv = "grades.csv"
    @Option(help: "Where the Markdown summary goes.") var report = "grades.md"
    @Option(help: "Hand-ins graded at once (default: the number of cores).") var jobs: Int?
    @Option(help: "Seconds one hand-in may take.") var timeout: Double = 300
    @Option(help: "Memory one hand-in may use, in MiB.") var memory: Int = 4096

    func validate() throws {
        guard FileManager.default.fileExists(atPath: exercise) else {
            throw ValidationError("no such exercise: \(exercise)")
        }
        guard !handIns.isEmpty else { throw ValidationError("name at least one hand-in") }
        guard timeout > 0, memory >= 256 else {
            throw ValidationError("--timeout must be > 0 and --memory at least 256")
        }
        let inputs = Set(([exercise] + handIns).map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        for out in [csv, report] where inputs.contains(URL(fileURLWithPath: out).standardizedFileURL.path) {
            throw ValidationError("\(out) is one of the inputs; the grader never writes over a hand-in or the exercise")
        }
    }

    func run() throws {
        let goalCount = (try? Transcript.load(exercise)).map { Exercise($0, path: exercise).expectations.count } ?? 0
        let scratch = FileManager.default.temporaryDirectory.path + "/gradlab-grade-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let self_ = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let workers = max(1, min(jobs ?? ProcessInfo.processInfo.activeProcessorCount, handIns.count))
        let queue = GradeQueue(count: handIns.count, tty: isatty(2) != 0)
        queue.progress()
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while let i = queue.take() {
                    queue.finish(i, gradeInChild(handIns[i], index: i, executable: self_, scratch: scratch))
                }
            }
        }
        group.wait()
        let results = queue.results
        let t0 = queue.started
        if queue.tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let rows = results.compactMap { $0 }
        do {
            try atomicWrite(Data(GradeReport.csv(rows, goalCount: goalCount).utf8), to: csv)
            try atomicWrite(Data(GradeReport.markdown(rows, exercise: exercise, goalCount: goalCount).utf8), to: report)
        } catch {
            throw ValidationError("cannot write the grades: \(error)")
        }
        print(GradeReport.markdown(rows, exercise: exercise, goalCount: goalCount), terminator: "")
        print("wrote \(csv) and \(report) in \(String(format: "%.1f", Date().timeIntervalSince(t0)))s")
    }

    /// Replays one hand-in in a child process with limits; its row, whatever happens to the child.
    func gradeInChild(_ handIn: String, index: Int, executable: String, scratch: String) -> Grader.Result {
        let started = Date()
        let dir = scratch + "/\(index)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = [
            // CPU seconds: gradlab keeps at most two threads busy (products split over two
            // cores, updates in the background), so twice the wall-clock allowance; the
            // timeout is what stops a hand-in, this is the backstop.
            "grade-one", exercise, handIn, "--memory", String(memory), "--seconds",
            String(2 * Int(timeout.rounded(.up)) + 5),
        ]
        var env = ProcessInfo.processInfo.environment
        env["TMPDIR"] = dir
        p.environment = env
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        let stdout = OutputBuffer()
        let reader = DispatchGroup()
        reader.enter()
        DispatchQueue.global().async {
            // Keep at most 4 MiB: a row is small; more is a hand-in shouting.
            while case let chunk = out.fileHandleForReading.availableData, !chunk.isEmpty {
                if stdout.data.count < 4 << 20 { stdout.data.append(chunk) }
            }
            reader.leave()
        }
        DispatchQueue.global().async { while !err.fileHandleForReading.availableData.isEmpty {} }
        do { try p.run() } catch {
            return Grader.Result(file: handIn, error: "could not start the grader's child process: \(error)")
        }
        var timedOut = false
        while p.isRunning {
            if Date().timeIntervalSince(started) > timeout {
                timedOut = true
                kill(p.processIdentifier, SIGKILL)
                break
            }
            usleep(20_000)
        }
        p.waitUntilExit()
        reader.wait()
        let seconds = Date().timeIntervalSince(started)
        if timedOut {
            return Grader.Result(
                file: handIn, flags: ["timed out"], seconds: seconds,
                error: "stopped after \(Int(timeout))s (--timeout)")
        }
        if p.terminationReason == .uncaughtSignal || p.terminationStatus != 0 {
            let how =
                p.terminationReason == .uncaughtSignal
                ? "signal \(p.terminationStatus)" : "exit status \(p.terminationStatus)"
            return Grader.Result(
                file: handIn, flags: ["crashed or out of memory"], seconds: seconds,
                error: "its replay stopped (\(how)); it may have exceeded \(memory) MiB (--memory)")
        }
        guard let line = String(decoding: stdout.data, as: UTF8.self).split(separator: "\n").last,
            var r = try? JSONDecoder().decode(Grader.Result.self, from: Data(line.utf8))
        else {
            return Grader.Result(file: handIn, seconds: seconds, error: "the child process gave no result")
        }
        r.file = handIn
        return r
    }
}

/// A child's standard output, filled by one reader thread and read after it ends.
final class OutputBuffer: @unchecked Sendable { var data = Data() }

/// The hand-ins still to grade, the rows so far and the progress bar, shared by the workers.
final class GradeQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0, done = 0
    private(set) var results: [Grader.Result?]
    let tty: Bool
    let started = Date()

    init(count: Int, tty: Bool) {
        results = Array(repeating: nil, count: count)
        self.tty = tty
    }

    /// The next hand-in's index, or nil when all are taken.
    func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < results.count else { return nil }
        next += 1
        return next - 1
    }

    func finish(_ i: Int, _ r: Grader.Result) {
        lock.lock()
        defer { lock.unlock() }
        results[i] = r
        done += 1
        progress()
    }

    /// `grading 12/30 ━━━━──── 14s` on a terminal (standard error).
    func progress() {
        guard tty else { return }
        let width = 24
        let filled = results.isEmpty ? 0 : width * done / results.count
        let bar = String(repeating: "━", count: filled) + String(repeating: "─", count: width - filled)
        FileHandle.standardError.write(
            Data(
                String(
                    format: "\r\u{1B}[Kgrading %d/%d %@ %.0fs", done, results.count, bar,
                    Date().timeIntervalSince(started)
                ).utf8))
    }
}

/// `gradlab grade-one EXERCISE HANDIN`: the child process of `grade`; prints one JSON row.
struct GradeOne: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grade-one", abstract: "Grade one hand-in (used by `grade`).",
        shouldDisplay: false)
    @ArgumentParser.Argument var exercise: String
    @ArgumentParser.Argument var handIn: String
    @Option var memory: Int = 4096
    @Option var seconds: Int = 305

    func run() throws {
        // Limits first, before the hand-in is read: address space and CPU time.
        var mem = rlimit(rlim_cur: rlim_t(memory) << 20, rlim_max: rlim_t(memory) << 20)
        setrlimit(Int32(RLIMIT_AS.rawValue), &mem)
        var cpu = rlimit(rlim_cur: rlim_t(seconds), rlim_max: rlim_t(seconds + 5))
        setrlimit(Int32(RLIMIT_CPU.rawValue), &cpu)
        signal(SIGINT, SIG_IGN)
        let result = Grader.grade(exercise: exercise, handIn: handIn)
        let data = try JSONEncoder().encode(result)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
