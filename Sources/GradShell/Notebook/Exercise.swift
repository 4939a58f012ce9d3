/// A classroom exercise: a transcript whose prose states a task and whose
/// `expect` lines are the goals `check` evaluates against the session.
public struct Exercise {
    public var path: String
    public var task: String
    public var expectations: [String]

    public init(_ t: Transcript, path: String) {
        self.path = path
        var prose: [String] = []
        var exps: [String] = []
        for item in t.items {
            switch item {
            case .prose(let p): prose.append(p)
            case .cell(let e):
                if e.command.hasPrefix("expect ") { exps.append(e.command) }
            }
        }
        task = prose.joined(separator: "\n\n")
        expectations = exps
    }
}
