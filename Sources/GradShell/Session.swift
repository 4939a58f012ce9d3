import Foundation
import GradNN
import GradTensor

/// One executed cell: the line typed and the text it produced.
public struct Cell: Equatable, Codable {
    public var number: Int
    public var input: String
    public var output: String
    public var failed: Bool
    /// True for prose (`# …` or `note …`), which becomes a markdown cell.
    public var isProse: Bool
    public init(number: Int, input: String, output: String, failed: Bool = false, isProse: Bool = false) {
        self.number = number
        self.input = input
        self.output = output
        self.failed = failed
        self.isProse = isProse
    }
}

/// The one owner of a shell's state: data, model, optimizer, history of
/// cells, the random generator and the interrupt flag. It reads no terminal:
/// `run(_:)` takes a line and returns text, so tests drive it with strings.
public final class Session {
    public var seed: UInt64
    public var rng: RandomGenerator
    public var data: Dataset?
    public var model: Sequential?
    public private(set) var cells: [Cell] = []
    /// The folder that saves default to.
    public var sessionsDirectory: String
    /// When set, writes must stay inside these folders (tests and fuzzers confine a session so).
    public var writableRoots: [String]? = nil
    /// During a replay: where its writes go and its relative reads resolve.
    public var sandbox: ReplaySandbox?
    /// Whether a replay adds the transcript's prose to this session's cells (so
    /// an export after a replay keeps it); off where cell numbers must match.
    public var recordsReplayedProse = true
    /// Output width in columns. When `resizedWidth` is set, every read first
    /// asks it whether the terminal changed size, so a progress bar drawn during
    /// a long command follows a resize.
    public var width: Int {
        get {
            if let w = resizedWidth?() { fixedWidth = w }
            return fixedWidth
        }
        set { fixedWidth = newValue }
    }
    private var fixedWidth = 80
    /// The terminal's new width after a resize (SIGWINCH), nil when it has not
    /// changed since the last call; set by the executable.
    public var resizedWidth: (() -> Int?)?
    /// Whether the output is a terminal (live progress bars, colour).
    public var isTerminal = false
    public var useColor = false
    /// Polled by long computations; set by the executable's SIGINT handler.
    public var interruptRequested: () -> Bool = { false }
    /// Called to acknowledge an interrupt once it has been honoured.
    public var clearInterrupt: () -> Void = {}
    /// Set by a replay: where the next `fit` stops, as the recorded one was interrupted; `fit` clears it.
    public var fitStopAfter: FitPosition? = nil
    /// Receives each line of streamed output as it is produced.
    public var onLine: ((String) -> Void)?
    /// Receives in-place progress updates (not recorded).
    public var onProgress: ((String) -> Void)?
    /// Writes `timing …` lines (for `make bench`) when set.
    public var onTiming: ((String) -> Void)?
    /// Asks the user what to do before each replayed cell (`--step`); set by the executable.
    public var stepper: ((Transcript.Entry) -> StepAction)?
    /// Where `tutorial list` looks.
    public var tutorialsDirectory = "tutorials"
    /// Set by `quit`.
    public private(set) var shouldQuit = false
    /// The exercise whose expectations `check` evaluates.
    public var exercise: Exercise?
    /// Complete epochs trained, and on which data, since `exercise open` reset it; `model new`, `model load`
    /// and `model reuse` leave it as it is, so the exercise's epoch budget holds across them.
    public var exerciseTraining = TrainingLog()
    /// The last `evaluate … mc` and the model state it measured (reused by `check`).
    var lastMonteCarloEvaluation: MonteCarloEvaluation?
    /// Gradient norms per epoch when `fit … track=gradients` ran.
    public var gradientHistory: [(epoch: Int, rows: [GradientRow])] = []
    /// This session's autosave folder (interactive sessions), rewritten after every cell.
    public var autosave: Autosave?
    /// How the current data was loaded, so a resumed session loads it the same way.
    public var dataRecipe: Autosave.DataRecipe?
    /// Undo stack for model-changing commands.
    var undoStack: [(description: String, restore: () -> Void)] = []
    var streamed: [String] = []
    /// Moving statistics of each BatchNormalization at the last `vars` look.
    var bnLastLook: [ObjectIdentifier: ([Float], [Float])] = [:]
    /// How many replays are running (a transcript cannot replay another).
    public internal(set) var replayDepth = 0
    /// Set by a command whose own cell should not be recorded (replay).
    var suppressCurrentCell = false
    public static let version = "0.3"

    public init(seed: UInt64 = 42, sessionsDirectory: String = "sessions") {
        self.seed = seed
        self.rng = RandomGenerator(seed: seed)
        self.sessionsDirectory = sessionsDirectory
    }

    /// Runs one line as a new cell and returns it. Errors become the cell's
    /// output (`error: …`) and leave the session unchanged.
    @discardableResult
    public func run(_ line: String) -> Cell {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        let number = cells.count + 1
        if trimmed.hasPrefix("#") {
            if trimmed.unicodeScalars.contains(where: { ($0.value < 32 && $0.value != 9) || $0.value == 0x7F || $0.value == 0xFFFD }) || trimmed.utf8.count > Parser.maximumLineLength {
                let cell = Cell(number: number, input: "", output: "error: prose contains control characters or is too long; type plain text", failed: true)
                onLine?(Style.errorLabel(enabled: useColor) + cell.output.dropFirst("error:".count))
                return cell
            }
            let cell = Cell(number: number, input: trimmed, output: "", isProse: true)
            cells.append(cell)
            saveAutomatically()
            return cell
        }
        let outerStreamed = streamed
        let outerSuppress = suppressCurrentCell
        streamed = []
        suppressCurrentCell = false
        defer { streamed = outerStreamed; suppressCurrentCell = outerSuppress }
        var output: String
        var failed = false
        let started = DispatchTime.now().uptimeNanoseconds
        defer {
            if onTiming != nil, let word = trimmed.split(separator: " ").first {
                timing(String(format: "command name=%@ seconds=%.6f", String(word), Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9))
            }
        }
        do {
            output = try execute(line)
        } catch let e as ShellError {
            output = render(error: e, line: line)
            failed = true
        } catch {
            output = Style.errorLabel(enabled: useColor) + " \(error)"
            failed = true
        }
        if let sandbox { output = sandbox.displayText(output) }
        if !output.isEmpty { onLine?(output) }
        let all = Style.plain((streamed + (output.isEmpty ? [] : [output])).joined(separator: "\n"))
        let cell = Cell(number: number, input: trimmed, output: all, failed: failed)
        if !trimmed.isEmpty && !suppressCurrentCell { cells.append(cell) }
        saveAutomatically()
        return cell
    }

    /// Parses and executes without recording a cell; throws on error.
    public func execute(_ line: String) throws -> String {
        guard let parsed = try Parser.parse(line) else { return "" }
        let type = try Registry.lookup(parsed)
        var args = try Arguments(parsed, keys: type.spec.keys.map(\.name))
        let command = try type.init(&args, session: self)
        try args.finish()
        return try command.run(self)
    }

    /// One-line rendering of an error, with a caret under the offending word on a terminal.
    public func render(error e: ShellError, line: String) -> String {
        var text = Style.errorLabel(enabled: useColor) + " " + e.message
        if let span = e.span, isTerminal, span.lowerBound < 200 {
            let prefix = "[\(cells.count + 1)] "
            text = String(repeating: " ", count: prefix.count + span.lowerBound) + String(repeating: "^", count: max(1, min(span.count, 60))) + "\n" + text
        }
        return text
    }

    /// Streams a line of output now (and records it in the cell).
    public func emit(_ line: String) {
        let shown = sandbox?.displayText(line) ?? line
        streamed.append(shown)
        onLine?(shown)
    }

    /// Shows a replayed cell's output live without recording it again.
    func emitReplayOutput(_ text: String) { onLine?(text) }

    /// Sends a progress redraw (terminal only, not recorded).
    public func progress(_ line: String) { onProgress?(line) }

    func timing(_ text: String) { onTiming?("timing " + text) }

    func requestQuit() { shouldQuit = true }

    func pushUndo(_ description: String, _ restore: @escaping () -> Void) {
        undoStack.append((description, restore))
        if undoStack.count > 50 { undoStack.removeFirst() }
    }

    /// Adds prose without running anything (for `note`).
    func appendProse(_ text: String) {
        cells.append(Cell(number: cells.count + 1, input: "# " + text, output: "", isProse: true))
    }

    /// Replaces the recorded cells (used by replay to keep numbering).
    func resetCells() { cells = [] }

    /// Puts back the cells of a resumed session.
    func restoreCells(_ restored: [Cell]) {
        cells = restored
        undoStack = []
        gradientHistory = []
        bnLastLook = [:]
    }

    /// The data, or an error saying how to load some.
    func requireData() throws -> Dataset {
        guard let d = data else { throw ShellError("no data loaded yet; try `data fashion-mnist` or `data moons`") }
        return d
    }

    /// Data the model can consume: its features match the model's input, and
    /// for a classification loss every target is a class index the output
    /// layer has. Checked before any command feeds data to the model.
    func requireData(for m: Sequential) throws -> Dataset {
        let d = try requireData()
        if let shape = m.inputShape, shape.reduce(1, *) != d.train.featureCount {
            throw ShellError("the model expects inputs of shape \(shapeText(shape)) but the data has \(shapeText(d.sampleShape)); start a new model with `model new` or load matching data")
        }
        if let loss = m.loss, loss != .meanSquaredError, let units = m.outputShape?.reduce(1, *) {
            let limit = units == 1 ? 2 : units
            for (name, split) in [("train", d.train), ("validation", d.validation), ("test", d.test)] {
                guard let split else { continue }
                for i in 0..<split.count {
                    let t = Accuracy.classIndex(split.target(i))
                    if t < 0 || t >= limit {
                        throw ShellError("\(loss.rawValue) needs class indices 0…\(limit - 1) as targets, but \(name) sample \(i) has \(split.target(i)); for real-valued targets use loss=mean_squared_error")
                    }
                }
            }
        }
        return d
    }

    /// The model, or an error saying how to start one.
    func requireModel() throws -> Sequential {
        guard let m = model else { throw ShellError("no model yet; start one with `model new`") }
        return m
    }

    /// A built model: layers exist and the input shape is known.
    func requireBuiltModel() throws -> Sequential {
        let m = try requireModel()
        guard !m.layers.isEmpty else { throw ShellError("the model has no layers; add some with `add dense 10 activation=softmax`") }
        if m.inputShape == nil || !m.layers.allSatisfy(\.isBuilt) {
            let d = try requireData()
            do { try m.build(inputShape: d.sampleShape, rng: &rng) } catch let e as ModelError { throw ShellError(e.message) }
        }
        return m
    }

    func requireCompiled() throws -> Sequential {
        let m = try requireBuiltModel()
        guard m.isCompiled else {
            throw ShellError("the model is not compiled yet; try `compile loss=sparse_categorical_crossentropy optimizer=sgd metrics=accuracy`")
        }
        return m
    }

    /// Resolves a path for writing, refusing places outside the allowed roots.
    /// During a replay, the write goes to the replay's scratch folder instead.
    func writablePath(_ path: String, defaultExtension: String? = nil) throws -> String {
        var p = (path as NSString).expandingTildeInPath
        if let ext = defaultExtension, (p as NSString).pathExtension.isEmpty { p += "." + ext }
        if let sandbox { return sandbox.redirect(p) }
        if let roots = writableRoots {
            let full = URL(fileURLWithPath: p).standardizedFileURL.path
            let ok = roots.contains { root in
                let r = URL(fileURLWithPath: root).standardizedFileURL.path
                return full == r || full.hasPrefix(r.hasSuffix("/") ? r : r + "/")
            }
            guard ok else {
                throw ShellError("a replayed transcript may only write inside \(roots.joined(separator: " or ")); refused '\(path)'")
            }
        }
        return p
    }

    /// Resolves a path for reading (during a replay: what it wrote, then the transcript's folder).
    func readablePath(_ path: String) -> String {
        let p = (path as NSString).expandingTildeInPath
        return sandbox?.resolveRead(p) ?? p
    }


    /// Writes the autosave after a cell; a failure is reported once, as a warning.
    func saveAutomatically() {
        guard let a = autosave, replayDepth == 0 else { return }
        if let error = a.write(self) { onLine?("warning: autosave to \(a.folder) failed (\(error)); `save session PATH` elsewhere to keep your work") }
    }
}

/// Writes `data` to `path` atomically and durably (see `AtomicFile`): after a
/// crash or a full disk the file is the old one or the new one.
public func atomicWrite(_ data: Data, to path: String) throws {
    try AtomicFile.write(data, to: path)
}
