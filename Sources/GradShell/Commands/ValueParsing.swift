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
        case .list, .range: throw ShellError("'\(v.text)' is not a single value here", at: span)
        }
    }

    /// A call-shaped argument (`relu`, `l2(0.01)`) for the model library's parsers.
    static func call(_ a: Argument) throws -> ComponentCall {
        switch try component(a.value, span: a.span) {
        case .word(let w): return ComponentCall(name: w.lowercased(), span: a.span)
        case .call(let c): return c
        case .number(_, let t): throw ShellError("expected a name like relu or l2(0.01), not '\(t)'", at: a.span)
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

    /// `sgd(learning_rate=0.01, momentum=0.9, nesterov=true)` and friends.
    static func optimizer(_ a: Argument) throws -> (any OptimizerRule, learningRate: Float?, decay: Float?, clipping: Clipping, weightDecay: Float?) {
        guard let n = name(a.value) else { throw ShellError("optimizer must be a name like sgd or adam(learning_rate=0.001)", at: a.span) }
        let (pos, kw) = try callArgs(a.value)
        guard let ruleType = OptimizerRules.all.first(where: { $0.name == n }) else {
            throw ShellError("'\(n)' is not an optimizer" + Suggestions.hint(for: n, in: OptimizerRules.names), at: a.span)
        }
        let allowed = ["learning_rate", "lr"] + ruleType.keySpecs.map(\.name) + ["decay"]
        try checkKeys(kw, allowed: allowed + ["clipnorm", "clipvalue", "global_clipnorm", "weight_decay"], in: n)
        if pos.count > 1 { throw ShellError("\(n)() takes at most one positional argument (the learning rate)", at: pos[1].span) }
        let lrArg = kw["learning_rate"] ?? kw["lr"] ?? pos.first
        let lr = try lrArg.map { try Arguments.float($0, name: "learning_rate", range: 0...1e6) }
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
        return (rule, lr, decay, clip, weightDecay)
    }

    static let scheduleNames = ["power", "exponential", "piecewise", "one_cycle", "constant"]

    /// `learning_rate=exponential(0.01, decay_steps=1000, decay_rate=0.1)` etc.
    static func schedule(_ a: Argument) throws -> LearningRateSchedule? {
        guard case .call(let n, let pos, _) = a.value else { return nil }
        let (_, kw) = try callArgs(a.value)
        func f(_ k: String, _ i: Int, _ d: Float?) throws -> Float {
            if let v = kw[k] ?? (pos.count > i ? pos[i] : nil) { return try Arguments.float(v, name: k, range: 0...1e12) }
            guard let d else { throw ShellError("\(n)() needs \(k)=", at: a.span) }
            return d
        }
        switch n {
        case "power":
            try checkKeys(kw, allowed: ["initial", "decay_steps", "decay_rate"], in: n)
            return .power(initial: try f("initial", 0, 0.01), decaySteps: max(1e-9, try f("decay_steps", 1, 10_000)), decayRate: try f("decay_rate", 2, 1))
        case "exponential":
            try checkKeys(kw, allowed: ["initial", "decay_steps", "decay_rate", "staircase"], in: n)
            return .exponential(initial: try f("initial", 0, 0.01), decaySteps: max(1e-9, try f("decay_steps", 1, 10_000)),
                                decayRate: try f("decay_rate", 2, 0.1), staircase: try kw["staircase"].map { try Arguments.bool($0, name: "staircase") } ?? false)
        case "piecewise":
            try checkKeys(kw, allowed: ["boundaries", "values"], in: n)
            guard let b = kw["boundaries"], let v = kw["values"] else { throw ShellError("piecewise() needs boundaries=5,15 and values=0.01,0.005,0.001", at: a.span) }
            func list(_ x: Value) -> [Value] { if case .list(let l) = x { return l }; return [x] }
            let bs = try list(b.value).map { try Arguments.int(Argument(key: nil, value: $0, span: b.span), name: "boundaries", range: 0...Int(Int32.max)) }
            let vs = try list(v.value).map { try Arguments.float(Argument(key: nil, value: $0, span: v.span), name: "values", range: 0...1e6) }
            guard vs.count == bs.count + 1 else { throw ShellError("piecewise() needs one more value than boundaries (\(plural(bs.count, "boundary", "boundaries")), \(plural(vs.count, "value")))", at: v.span) }
            guard bs == bs.sorted() else { throw ShellError("piecewise() boundaries must increase", at: b.span) }
            return .piecewise(boundaries: bs, values: vs)
        case "one_cycle", "1cycle":
            try checkKeys(kw, allowed: ["max_rate", "total_steps"], in: n)
            let steps = try kw["total_steps"].map { try Arguments.int($0, name: "total_steps", range: 1...100_000_000) } ?? 1000
            return .oneCycle(maxRate: try f("max_rate", 0, 0.05), totalSteps: steps)
        default: return nil
        }
    }
}
