import GradTensor

/// `seed N`: resets the session's random generator.
struct SeedCommand: Command {
    static let spec = CommandSpec(
        name: "seed", summary: "set the random seed (same seed, same numbers)", usage: "seed [N]",
        discussion: "Every random draw (initial weights, shuffling, dropout masks, synthetic data) comes from one generator; `seed` restarts it.",
        examples: ["seed 42"])
    let value: Int?

    init(_ args: inout Arguments, session: Session) throws {
        value = try args.int("seed", positional: true, range: 0...Int(UInt32.max) * 1000)
    }

    func run(_ session: Session) throws -> String {
        guard let v = value else { return "seed \(session.seed)" }
        session.seed = UInt64(v)
        session.rng = RandomGenerator(seed: UInt64(v))
        return "seed \(v)"
    }
}
