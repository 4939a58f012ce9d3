import GradNN

/// Turns argument values into the model library's typed values, with errors
/// that name the word and what is accepted.
enum ValueParsing {
    static func name(_ v: Value) -> String? {
        switch v {
        case .word(let w), .string(let w): return w.lowercased()
        case .call(let n, _, _): return n
        default: return nil
        }
    }

    static func callArgs(_ v: Value) throws -> (positional: [Argument], keywords: [String: Argument]) {
        guard case .call(let name, let p, let k) = v else { return ([], [:]) }
        var d: [String: Argument] = [:]
        for a in k {
            guard let key = a.key else { continue }
            if d[key] != nil { throw ShellError("\(name)(): \(key)= is given twice", at: a.span) }
            d[key] = a
        }
        return (p, d)
    }

    static func checkKeys(_ kw: [String: Argument], allowed: [String], in fn: String) throws {
        for (k, a) in kw where !allowed.contains(k) {
            throw ShellError("\(fn)() has no argument '\(k)'" + Suggestions.hint(for: k, in: allowed), at: a.span)
        }
    }

    static func number(_ a: Argument?, _ name: String, default d: Float, range: ClosedRange<Double> = -1e30...1e30) throws -> Float {
        guard let a else { return d }
        return try Arguments.float(a, name: name, range: range)
    }

    /// A typed argument as the model library reads it (names, numbers, calls).
    static func component(_ v: Value, span: Range<Int>) throws -> ComponentCall.Argument {
        switch v {
        case .word(let w), .string(let w): return .word(w)
        case .number(let d, let t): return .number(d, text: t)
        case .call(let n, let p, let k):
            return .call(ComponentCall(name: n.lowercased(), positional: try p.map { (try component($0.value, span: $0.span), $0.span) },
                                       keywords: try k.map { ($0.key ?? "", try component($0.value, span: $0.span), $0.span) }, span: span))
        case .list(let items): return .list(try items.map { try component($0, span: span) })
        case .range: throw ShellError("'\(v.text)' is not a single value here", at: span)
        }
    }

    /// A call-shaped argument (`relu`, `l2(0.01)`) for the model library's parsers.
    static func call(_ a: Argument) throws -> ComponentCall {
        switch try component(a.value, span: a.span) {
        case .word(let w): return ComponentCall(name: w.lowercased(), span: a.span)
        case .call(let c): return c
        case .number(_, let t): throw ShellError("expected a name like relu or l2(0.01), not '\(t)'", at: a.span)
        case .list: throw ShellError("expected a name like relu or l2(0.01), not '\(a.value.text)'", at: a.span)
        }
    }

    /// Runs one of the model library's parsers, its error pointing at the argument.
    static func parsing<T>(_ a: Argument, _ parse: (ComponentCall) throws -> T) throws -> T {
        do { return try parse(call(a)) } catch let e as ComponentError { throw ShellError(e.message, at: e.span ?? a.span) }
    }

    /// The value of one layer setting, checked against its spec.
    static func layerValue(_ a: Argument, for key: LayerKey) throws -> LayerValue {
        do { return try key.value(component(a.value, span: a.span), span: a.span) } catch let e as ComponentError {
            throw ShellError(e.message, at: e.span ?? a.span)
        }
    }

    static func activation(_ a: Argument) throws -> Activation { try parsing(a, Activation.init) }
    static func initializer(_ a: Argument) throws -> Initializer { try parsing(a, Initializer.init) }
    static func regularizer(_ a: Argument) throws -> Regularizer { try parsing(a, Regularizer.init) }
    static func constraint(_ a: Argument) throws -> Constraint { try parsing(a, Constraint.init) }

    /// An optimizer call's settings, as written.
    struct ParsedOptimizer {
        var rule: any OptimizerRule
        var learningRate: Float?
        /// `sgd(learning_rate=exponential_decay(…))`, as Keras takes a schedule.
        var schedule: LearningRateSchedule?
        var decay: Float?
        var clipping: Clipping
        var weightDecay: Float?
    }

    /// `sgd(learning_rate=0.01, momentum=0.9, nesterov=true)` and friends.
    static func optimizer(_ a: Argument) throws -> ParsedOptimizer {
        guard let n = name(a.value) else { throw ShellError("optimizer must be a name like sgd or adam(learning_rate=0.001)", at: a.span) }
        let (pos, kw) = try callArgs(a.value)
        guard let ruleType = OptimizerRules.all.first(where: { $0.name == n }) else {
            throw ShellError("'\(n)' is not an optimizer" + Suggestions.hint(for: n, in: OptimizerRules.names), at: a.span)
        }
        let allowed = ["learning_rate", "lr"] + ruleType.keySpecs.map(\.name) + ["decay"]
        try checkKeys(kw, allowed: allowed + ["clipnorm", "clipvalue", "global_clipnorm", "weight_decay"], in: n)
        if pos.count > 1 { throw ShellError("\(n)() takes at most one positional argument (the learning rate)", at: pos[1].span) }
        let lrArg = kw["learning_rate"] ?? kw["lr"] ?? pos.first
        var lr: Float? = nil, sched: LearningRateSchedule? = nil
        if let lrArg {
            if let s = try schedule(lrArg) { sched = s } else { lr = try Arguments.float(lrArg, name: "learning_rate", range: 0...1e6) }
        }
        let decay = try kw["decay"].map { try Arguments.float($0, name: "decay", range: 0...1e6) }
        let rule = try ruleType.reading { key -> OptimizerValue? in
            guard let arg = kw[key.name] else { return nil }
            if let range = key.range { return .number(try Arguments.float(arg, name: key.name, range: range)) }
            return .flag(try Arguments.bool(arg, name: key.name))
        }
        let clip = Clipping(clipValue: try kw["clipvalue"].map { try Arguments.float($0, name: "clipvalue", range: 1e-12...1e12) },
                            clipNorm: try kw["clipnorm"].map { try Arguments.float($0, name: "clipnorm", range: 1e-12...1e12) },
                            globalClipNorm: try kw["global_clipnorm"].map { try Arguments.float($0, name: "global_clipnorm", range: 1e-12...1e12) })
        let given = ["clipnorm", "clipvalue", "global_clipnorm"].filter { kw[$0] != nil }
        if given.count > 1 {
            // As Keras 3 does: only one of them would apply.
            throw ShellError("\(n)(): only one of clipnorm, clipvalue and global_clipnorm can be set (as in Keras); got \(given.joined(separator: " and "))", at: kw[given[1]]!.span)
        }
        let weightDecay = try kw["weight_decay"].map { try Arguments.float($0, name: "weight_decay", range: 0...1e3) }
        return ParsedOptimizer(rule: rule, learningRate: lr, schedule: sched, decay: decay, clipping: clip, weightDecay: weightDecay)
    }

    static let scheduleNames = LearningRateSchedule.names + ["constant"]

    /// `learning_rate=exponential_decay(0.01, decay_steps=1000, decay_rate=0.1)` etc.;
    /// nil when the value is not a schedule's call.
    static func schedule(_ a: Argument) throws -> LearningRateSchedule? {
        guard case .call(let n, _, _) = a.value, LearningRateSchedule.names.contains(n) || n == "1cycle" else { return nil }
        return try parsing(a, LearningRateSchedule.init)
    }
}
