import GradNN
/// The one list of commands: help, completion, parsing and the docs read it.
public enum Registry {
    public static let commands: [any Command.Type] = [
        HelpCommand.self, SeedCommand.self, DataCommand.self, ShowCommand.self, CalcCommand.self,
        ModelCommand.self, AddCommand.self, SummaryCommand.self, CompileCommand.self,
        FitCommand.self, EvaluateCommand.self, PredictCommand.self,
        VarsCommand.self, SetCommand.self, GradientsCommand.self, ActivationsCommand.self,
        WeightsCommand.self, HistCommand.self, PlotCommand.self, ClipCommand.self, ScheduleCommand.self, SearchCommand.self,
        PretrainCommand.self, CompareCommand.self, TryCommand.self, DiagnoseCommand.self, LRFindCommand.self, ExplainCommand.self,
        HistoryCommand.self, RerunCommand.self, UndoCommand.self, NoteCommand.self,
        SaveCommand.self, ResumeCommand.self, ReplayCommand.self, ExportCommand.self, TutorialCommand.self,
        ExerciseCommand.self, ExpectCommand.self, RequireCommand.self, CheckCommand.self, QuitCommand.self,
    ]

    static let aliases: [String: String] = ["exit": "quit", "?": "help", "eval": "evaluate", "train": "fit"]

    public static var names: [String] { commands.map { $0.spec.name } }

    public static func spec(named name: String) -> CommandSpec? {
        let n = aliases[name] ?? name
        return commands.first { $0.spec.name == n }?.spec
    }

    /// The command type for a parsed line, or an error with a suggestion.
    static func lookup(_ line: ParsedLine) throws -> any Command.Type {
        let n = aliases[line.command] ?? line.command
        if let t = commands.first(where: { $0.spec.name == n }) { return t }
        throw ShellError("'\(line.command)' is not a command" + Suggestions.hint(for: line.command, in: names) +
                         " (type `help` for the list)", at: line.commandSpan)
    }
}
