import Foundation

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

    /// The file's name without folder and `.md`, e.g. `01-batchnorm`.
    public var name: String { ((path as NSString).lastPathComponent as NSString).deletingPathExtension }

    /// The file's name, e.g. `01-batchnorm.md` (its folder differs from machine to machine).
    public var fileName: String { (path as NSString).lastPathComponent }

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
public struct TrainingLog: Codable, Equatable {
    /// Complete epochs (history entries added), summed over every training command.
    public var epochs = 0
    /// The `data` lines, as typed, of the data those epochs trained on (each once).
    public var dataLines: [String] = []

    public init() {}

    /// Records `epochs` complete epochs trained on the data loaded by `recipe`.
    public mutating func record(epochs n: Int, data recipe: Autosave.DataRecipe?) {
        guard n > 0 else { return }
        epochs += n
        let line = recipe?.line ?? "(data of unknown origin)"
        if !dataLines.contains(line) { dataLines.append(line) }
    }
}
