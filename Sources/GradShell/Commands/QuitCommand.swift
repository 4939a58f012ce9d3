/// `quit`: leaves the shell (Ctrl-D too).
struct QuitCommand: Command {
    static let spec = CommandSpec(name: "quit", summary: "leave gradlab (Ctrl-D does too)", usage: "quit", examples: ["quit"])
    init(_ args: inout Arguments, session: Session) throws {}
    func run(_ session: Session) throws -> String {
        session.requestQuit()
        return ""
    }
}
