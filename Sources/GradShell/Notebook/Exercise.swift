import Foundation
import GradNN

/// A classroom exercise: a transcript whose prose states a task, whose
/// `expect` lines are the goals `check` evaluates against the session, and
/// whose `require` lines (`require data fashion-mnist limit=15000`) are
/// conditions the work must meet for the goals to count.
public struct Exercise {
    public var path: String
    public var title: String?
    public var task: String
    /// The goal lines (`expect …`), in file order.
    public var expectations: [String]
    /// The condition lines (`require …`), in file order.
    public var requirements: [String]
    /// Every `expect` and `require` line, in file order.
    public var rules: [String]
    /// The session's seed when the exercise was opened (its generator restarts from it there).
    public var seed: UInt64?
    /// The file's tolerances, which a hand-in keeps.
    public var relativeTolerance: Double
    public var absoluteTolerance: Double

    public init(_ t: Transcript, path: String) {
        self.path = path
        title = t.title
        relativeTolerance = t.relativeTolerance
        absoluteTolerance = t.absoluteTolerance
        var prose: [String] = []
        var exps: [String] = [], reqs: [String] = [], all: [String] = []
        for item in t.items {
            switch item {
            case .prose(let p): prose.append(p)
            case .cell(let e):
                let line = e.command.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("expect ") { exps.append(line); all.append(line) }
                if line.hasPrefix("require ") { reqs.append(line); all.append(line) }
            }
        }
        task = prose.joined(separator: "\n\n")
        expectations = exps
        requirements = reqs
        rules = all
    }

    /// The file's name without folder and `.md`, e.g. `01-batchnorm`: the same wherever the file was opened from.
    public var name: String { ((path as NSString).lastPathComponent as NSString).deletingPathExtension }

    /// How `check` and `exercise` name it: its heading, else its file name.
    public var displayName: String { title ?? name }

    /// The rules every sealed goal is bound to: those a student can read (and so could edit).
    public var readableRules: [String] { rules.filter { !Exercise.isSealed($0) } }

    /// What the sealed goal on `expectations[index]` is bound to.
    public func binding(goal index: Int, quantity: String, layer: String?) -> SealedGoal.Binding {
        SealedGoal.Binding(quantity: quantity, layer: layer, position: index + 1, count: expectations.count, rules: readableRules)
    }

    static func isSealed(_ line: String) -> Bool { line.contains(" " + SealedGoal.prefix) }
}

/// What the session trained since the open exercise was opened, whatever
/// became of the model since (`model new`, `model load`, `model reuse`,
/// `undo`): the epoch budget (`expect epochs`) and the data requirement
/// (`require data`) are judged on it, so starting over does not refill them.
/// A model loaded from a file (or layers reused from one) brings in the
/// epochs of its history that were not trained here, as training on data
/// this session cannot vouch for.
public struct TrainingLog: Codable, Equatable {
    /// Complete epochs (history entries added), summed over every training command.
    public var epochs = 0
    /// The `data` lines, as typed, of the data those epochs trained on (each once), and
    /// `a model trained elsewhere (PATH)` for epochs brought in from a file.
    public var dataLines: [String] = []
    /// A fingerprint of each epoch trained here, so that a model saved and loaded again is recognised.
    public var trainedHere: [String] = []

    public init() {}

    /// Records the history entries one training command added, trained on the data loaded by `recipe`.
    public mutating func record(_ added: ArraySlice<EpochLogs>, data recipe: Autosave.DataRecipe?) {
        guard !added.isEmpty else { return }
        epochs += added.count
        trainedHere += added.map(TrainingLog.fingerprint)
        let line = recipe?.line ?? "(data of unknown origin)"
        if !dataLines.contains(line) { dataLines.append(line) }
    }

    /// Counts the epochs of a loaded model's `history` that were not trained here.
    public mutating func adopt(_ history: [EpochLogs], from source: String) {
        let foreign = history.map(TrainingLog.fingerprint).filter { !trainedHere.contains($0) }
        guard !foreign.isEmpty else { return }
        epochs += foreign.count
        trainedHere += foreign
        let line = "a model trained elsewhere (\(source))"
        if !dataLines.contains(line) { dataLines.append(line) }
    }

    /// Records weights trained where this session cannot see (`model import keras`).
    public mutating func adoptWeights(from source: String) {
        let line = "weights trained elsewhere (\(source))"
        if !dataLines.contains(line) { dataLines.append(line) }
    }

    /// Losses and accuracies to six digits: equal for an epoch and its saved-and-loaded copy.
    static func fingerprint(_ e: EpochLogs) -> String {
        [e.loss, e.accuracy, e.valLoss ?? .nan, e.valAccuracy ?? .nan].map { String(format: "%.6g", $0) }.joined(separator: " ")
    }
}
