import Foundation
import GradNN
import GradTensor

/// One session's autosave: a folder of its own under `sessions/autosave/`,
/// rewritten after every cell, from which `resume` rebuilds the session
/// exactly — cells, data, model with weights and optimizer state, random
/// generator — without training anything again.
///
/// The folder holds `state.json` (cells, generator, how the data was loaded,
/// which model folder is current), `model-N/` (a saved model, written only
/// when the model changed) and `session.md` (the transcript, for reading).
/// `state.json` is the commit point: it is replaced atomically and names a
/// model folder that was complete before it was written, so after a `kill -9`
/// at any moment the folder resumes to the state after some finished cell.
public final class Autosave {
    /// How a data set was loaded: the `data` line, the generator before it ran
    /// and the folder it ran in (synthetic sets draw from the generator).
    public struct DataRecipe: Codable, Equatable {
        public var line: String
        public var rng: [UInt64]
        public var directory: String
    }

    /// What `state.json` holds.
    struct State: Codable {
        var format = "gradlab-autosave"
        var version = 1
        var started: Date
        var updated: Date
        var ended: Bool
        /// Set once the start-up offer to resume this session was answered.
        var offered: Bool?
        var seed: UInt64
        var rng: [UInt64]
        var data: DataRecipe?
        var exercise: String?
        /// What was trained since the exercise was opened (absent in older states).
        var exerciseTraining: TrainingLog?
        var model: String?
        var modelSummary: String?
        var cells: [Cell]
    }

    /// A previous session, as `resume list` shows it.
    public struct Summary {
        public var folder: String
        public var updated: Date
        public var ended: Bool
        public var offered: Bool
        public var cells: Int
        public var model: String?
        public var line: String {
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd HH:mm"
            return "\(f.string(from: updated))  \(plural(cells, "cell"))"
                + (model.map { ", " + $0 } ?? ", no model") + (ended ? "" : ", did not end cleanly")
        }
    }

    /// How many autosave folders are kept (the oldest beyond this are removed).
    public static let kept = 20
    /// Autosaves made by this process (a resumed session gets a folder of its own).
    nonisolated(unsafe) static var made = 0

    public let folder: String
    /// `sessions/autosave`, where every session's folder lives.
    let root: String
    let started = Date()
    var modelName: String?
    var modelFingerprint: UInt64?
    var generation = 0
    /// The last write's error: a run of failures is reported once, not after every cell.
    public private(set) var lastError: String?

    /// A new autosave under `sessionsDirectory/autosave/`; the folder is made
    /// on the first write, so a session that runs nothing leaves nothing.
    public init(sessionsDirectory: String) {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd-HHmmss"
        f.locale = Locale(identifier: "en_US_POSIX")
        root = Autosave.root(sessionsDirectory)
        Autosave.made += 1
        folder = root + "/" + f.string(from: Date()) + "-\(getpid())" + (Autosave.made > 1 ? "-\(Autosave.made)" : "")
    }

    public static func root(_ sessionsDirectory: String) -> String { sessionsDirectory + "/autosave" }

    /// Saves the session's state now. Returns an error message the first time
    /// a write fails (and nil while writes succeed or keep failing the same way).
    @discardableResult
    public func write(_ session: Session, ended: Bool = false) -> String? {
        do {
            try writeThrowing(session, ended: ended)
            lastError = nil
            return nil
        } catch {
            let message = "\(error)"
            defer { lastError = message }
            return lastError == nil ? message : nil
        }
    }

    func writeThrowing(_ session: Session, ended: Bool) throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: folder) {
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            Autosave.rotate(root, keeping: folder)
        }
        var summary: String? = nil
        if let m = session.model {
            let encoded = try ModelStore.encode(m)
            let fp = encoded.fingerprint
            if fp != modelFingerprint || modelName == nil {
                let name = "model-\(generation + 1)"
                try ModelStore.write(encoded, to: folder + "/" + name)
                generation += 1
                modelName = name
                modelFingerprint = fp
            }
            summary =
                "model of \(plural(m.layers.count, "layer"))"
                + (m.history.epochs.isEmpty
                    ? "" : ", \(plural(m.history.epochs.count, "epoch")) trained")
        } else {
            modelName = nil
            modelFingerprint = nil
        }
        let state = State(
            started: started, updated: Date(), ended: ended, offered: nil, seed: session.seed, rng: session.rng.state,
            data: session.data == nil ? nil : session.dataRecipe,
            exercise: session.exercise.map { URL(fileURLWithPath: $0.path).standardizedFileURL.path },
            exerciseTraining: session.exercise == nil ? nil : session.exerciseTraining,
            model: modelName, modelSummary: summary, cells: session.cells)
        try Autosave.writeState(state, to: folder)
        // The readable transcript is a convenience; the state above is what resumes.
        try? AtomicFile.write(
            Data(Transcript(cells: session.cells, title: "Autosaved session").render().utf8), to: folder + "/session.md"
        )
        // Model folders that the state no longer names.
        for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? []
        where name.hasPrefix("model-") && name != modelName {
            try? fm.removeItem(atPath: folder + "/" + name)
        }
    }

    /// ISO 8601 with milliseconds.
    nonisolated(unsafe) static let timeFormat: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()

    static func writeState(_ state: State, to folder: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Milliseconds: sessions saved within one second must still sort by time.
        enc.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(Autosave.timeFormat.string(from: date))
        }
        try AtomicFile.write(enc.encode(state), to: folder + "/state.json")
    }

    static func readState(_ folder: String) throws -> State {
        let path = folder + "/state.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ShellError("\(folder) is not a saved session (no state.json)")
        }
        guard data.count < 512 << 20 else { throw ShellError("\(path) is too large to be a saved session") }
        let dec = JSONDecoder()
        dec.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let d = Autosave.timeFormat.date(from: text) ?? ISO8601DateFormatter().date(from: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a date: \(text)"))
            }
            return d
        }
        guard let s = try? dec.decode(State.self, from: data), s.format == "gradlab-autosave" else {
            throw ShellError("\(path) is not a gradlab autosave (unreadable or another format)")
        }
        return s
    }

    /// Removes the oldest autosave folders so that `kept` remain, `keeping` among them.
    static func rotate(_ root: String, keeping: String) {
        let keep = URL(fileURLWithPath: keeping).standardizedFileURL.path
        let others = list(root: root).filter { URL(fileURLWithPath: $0.folder).standardizedFileURL.path != keep }
        for s in others.dropFirst(kept - 1) { try? FileManager.default.removeItem(atPath: s.folder) }
    }

    /// Previous sessions under `sessionsDirectory/autosave/`, newest first.
    public static func list(sessionsDirectory: String) -> [Summary] { list(root: root(sessionsDirectory)) }

    static func list(root: String) -> [Summary] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.compactMap { name -> Summary? in
            let folder = root + "/" + name
            guard let s = try? readState(folder) else { return nil }
            return Summary(
                folder: folder, updated: s.updated, ended: s.ended, offered: s.offered ?? false,
                cells: resumable(s.cells).count, model: s.modelSummary)
        }.sorted { ($0.updated, $0.folder) > ($1.updated, $1.folder) }
    }

    /// Removes this session's folder (for a session with nothing worth keeping).
    public func discard() {
        try? FileManager.default.removeItem(atPath: folder)
        modelName = nil
        modelFingerprint = nil
    }

    /// The cells a resumed session continues from: a session that ended with `quit` resumes before it.
    static func resumable(_ cells: [Cell]) -> [Cell] {
        var cells = cells
        while let last = cells.last,
            ["quit", "exit"].contains(last.input.split(separator: " ").first.map(String.init) ?? "")
        { cells.removeLast() }
        return cells
    }

    /// Records that the start-up offer for this folder was answered.
    public static func markOffered(_ folder: String) {
        guard var s = try? readState(folder) else { return }
        s.offered = true
        try? writeState(s, to: folder)
    }

    /// Rebuilds `session` from a saved folder: everything or nothing (on an
    /// error the session is as it was). Returns a one-paragraph report.
    public static func restore(from folder: String, into session: Session) throws -> String {
        let state = try readState(folder)
        var model: Sequential? = nil
        if let name = state.model {
            guard !name.contains("/"), !name.hasPrefix(".") else {
                throw ShellError("\(folder)/state.json names an invalid model folder")
            }
            do { model = try ModelStore.load(from: folder + "/" + name) } catch let e as ModelError {
                throw ShellError("cannot resume \(folder): its model does not load (\(e.message))")
            }
        }
        guard let rng = RandomGenerator(state: state.rng) else {
            throw ShellError("\(folder)/state.json has an invalid generator state")
        }
        var exercise: Exercise? = nil
        if let path = state.exercise {
            if let t = try? Transcript.load(path) { exercise = Exercise(t, path: path) }
        }
        var data: Dataset? = nil
        var notes: [String] = []
        if let recipe = state.data {
            guard let before = RandomGenerator(state: recipe.rng) else {
                throw ShellError("\(folder)/state.json has an invalid data recipe")
            }
            do { data = try reload(recipe, generator: before, in: session) } catch let e as ShellError {
                notes.append(e.message + "; load it again with `data …`")
            }
        }
        if state.exercise != nil && exercise == nil {
            notes.append("the exercise file \(state.exercise!) is gone; `exercise open` it again")
        }
        // Nothing can fail from here on.
        session.seed = state.seed
        session.rng = rng
        session.data = data
        session.dataRecipe = data == nil ? nil : state.data
        session.model = model
        session.exercise = exercise
        session.exerciseTraining = exercise == nil ? TrainingLog() : state.exerciseTraining ?? TrainingLog()
        let cells = resumable(state.cells)
        session.restoreCells(cells)
        var what = [plural(cells.count, "cell")]
        if let d = data { what.append("data \(d.name)") }
        if let m = model {
            what.append(
                "a model of \(plural(m.layers.count, "layer"))"
                    + (m.history.epochs.isEmpty
                        ? "" : " trained \(plural(m.history.epochs.count, "epoch"))"))
        }
        if exercise != nil { what.append("the exercise") }
        return (["resumed \(folder): " + what.joined(separator: ", ")] + notes.map { "note: " + $0 }).joined(
            separator: "\n")
    }

    /// Loads the data again as its `data` line did, in its folder and with its generator.
    static func reload(_ recipe: DataRecipe, generator: RandomGenerator, in session: Session) throws -> Dataset {
        let fm = FileManager.default
        let here = fm.currentDirectoryPath
        let saved = (session.data, session.rng, session.dataRecipe, session.onLine)
        defer {
            session.data = saved.0
            session.rng = saved.1
            session.dataRecipe = saved.2
            session.onLine = saved.3
            _ = fm.changeCurrentDirectoryPath(here)
        }
        if fm.fileExists(atPath: recipe.directory) { _ = fm.changeCurrentDirectoryPath(recipe.directory) }
        session.rng = generator
        session.onLine = nil
        do { _ = try session.execute(recipe.line) } catch let e as ShellError {
            throw ShellError("its data did not load again (`\(recipe.line)`: \(e.message))")
        }
        guard let d = session.data else {
            throw ShellError("its data did not load again (`\(recipe.line)` loaded nothing)")
        }
        return d
    }
}
