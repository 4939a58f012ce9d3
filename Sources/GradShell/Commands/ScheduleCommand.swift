import GradNN

/// `schedule [SCHEDULE] [steps=N]`: a learning-rate schedule's values and curve, before training.
struct ScheduleCommand: Command {
    static let spec = CommandSpec(
        name: "schedule", summary: "show a learning-rate schedule's values and curve",
        usage: "schedule [power(…) | exponential(…) | piecewise(…) | cosine_decay(…) | cosine_decay_restarts(…) | polynomial_decay(…) | one_cycle(…)] [steps=N]",
        discussion: "Without a schedule, shows the compiled optimizer's. power(initial, decay_steps, decay_rate) = initial / (1 + decay_rate·step/decay_steps); exponential(initial, decay_steps, decay_rate) = initial · decay_rate^(step/decay_steps); piecewise(boundaries=…, values=…); cosine_decay(initial_learning_rate, decay_steps, alpha=0, warmup_target, warmup_steps); cosine_decay_restarts(initial_learning_rate, first_decay_steps, t_mul=2, m_mul=1, alpha=0); polynomial_decay(initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1, cycle=false); one_cycle(max_rate, total_steps, start_rate=max/10, last_rate=start/1000, last_steps=total//10+1) as the book's OneCycleScheduler. Keras' names (exponential_decay, inverse_time_decay, piecewise_constant_decay) and argument names (initial_learning_rate=) are accepted too.",
        keys: [KeySpec("steps", "how many steps to show (default: the schedule's own span — one_cycle's total_steps, a decay's length, the last boundary and a half)")],
        positional: .words(ValueParsing.scheduleNames),
        examples: ["schedule exponential(0.01, decay_steps=1000, decay_rate=0.1) steps=5000", "schedule cosine_decay(0.0, decay_steps=1000, warmup_target=0.1, warmup_steps=100) steps=1200", "schedule piecewise(boundaries=5,15, values=0.01,0.005,0.001) steps=20"],
        category: "train")
    let schedule: LearningRateSchedule?
    let steps: Int?

    init(_ args: inout Arguments, session: Session) throws {
        if let a = args.nextArgument() {
            guard let s = try ValueParsing.schedule(a) else {
                throw ShellError("'\(a.value.text)' is not a schedule" + Suggestions.hint(for: ValueParsing.name(a.value) ?? "", in: ValueParsing.scheduleNames), at: a.span)
            }
            schedule = s
        } else { schedule = nil }
        steps = try args.int("steps", range: 1...100_000_000)
    }

    func run(_ session: Session) throws -> String {
        let s: LearningRateSchedule
        if let given = schedule { s = given } else {
            guard let opt = session.model?.optimizer else { throw ShellError("no schedule given and no compiled model; try `schedule power(0.01, decay_steps=1000)`") }
            guard let os = opt.schedule else { return "constant learning rate \(formatFloat(opt.learningRate))" }
            s = os
        }
        let steps = self.steps ?? ScheduleCommand.span(of: s)
        let marks = Array(Set([0, 1, steps / 10, steps / 4, steps / 2, 3 * steps / 4, steps])).sorted()
        var lines = [s.description]
        lines += Table.render([["step", "learning rate"]] + marks.map { ["\($0)", String(format: "%.6g", Double(s.rate(at: $0)))] }, rightAligned: [0, 1])
        let n = min(steps + 1, 200)
        let values = (0..<n).map { Double(s.rate(at: $0 * steps / max(n - 1, 1))) }
        lines += LineChart(title: "learning rate over \(plural(steps, "step"))", xLabel: "step (×\(max(1, steps / max(n - 1, 1))))",
                           series: [.init(name: "lr", values: values, marker: "●")]).render(width: min(session.width, 100), height: 8)
        return lines.joined(separator: "\n")
    }

    /// How many steps show a schedule whole: where it ends, or where it has
    /// done most of its decay (power: ten decay periods, to a tenth of its start;
    /// exponential: three; SGDR: three cycles).
    static func span(of s: LearningRateSchedule) -> Int {
        func steps(_ x: Float) -> Int { max(10, min(100_000_000, Int(x.rounded(.up)))) }
        switch s {
        case .oneCycle(_, let total, _, _, _): return max(3, total)
        case .piecewise(let boundaries, _): return steps(Float(boundaries.last ?? 10) * 1.5)
        case .power(_, let ds, _, _): return steps(10 * ds)
        case .exponential(_, let ds, _, _): return steps(3 * ds)
        case .cosine(_, let ds, _, _, let warmup): return steps(warmup + ds * 1.2)
        case .cosineRestarts(_, let first, let tMul, _, _): return steps(first * (1 + tMul + tMul * tMul))
        case .polynomial(_, let ds, _, _, let cycle): return steps(cycle ? 2.5 * ds : 1.2 * ds)
        }
    }
}
