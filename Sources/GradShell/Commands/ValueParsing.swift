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

    static func activation(_ a: Argument) throws -> Activation {
        guard let n = name(a.value) else { throw ShellError("activation must be a name like relu or elu(alpha=0.5), not '\(a.value.text)'", at: a.span) }
        let (pos, kw) = try callArgs(a.value)
        try checkKeys(kw, allowed: ["alpha", "negative_slope"], in: n)
        let alphaArg = kw["alpha"] ?? kw["negative_slope"] ?? pos.first
        let alpha = try alphaArg.map { try Arguments.float($0, name: "alpha", range: 0...100) }
        guard let act = Activation(name: n, alpha: alpha) else {
            if ["prelu", "rrelu"].contains(n) {
                throw ShellError("\(n) has learned or random slopes, so it is a layer: `add \(n)` after a linear dense", at: a.span)
            }
            throw ShellError("'\(n)' is not an activation" + Suggestions.hint(for: n, in: Activation.names), at: a.span)
        }
        return act
    }

    static func initializer(_ a: Argument) throws -> Initializer {
        guard let n = name(a.value) else { throw ShellError("an initializer is a name like he_normal, not '\(a.value.text)'", at: a.span) }
        let (pos, kw) = try callArgs(a.value)
        switch n {
        case "constant":
            try checkKeys(kw, allowed: ["value"], in: n)
            return .constant(try number(kw["value"] ?? pos.first, "value", default: 0))
        case "random_normal", "truncated_normal":
            try checkKeys(kw, allowed: ["mean", "stddev"], in: n)
            let m = try number(kw["mean"], "mean", default: 0)
            let s = try number(kw["stddev"] ?? pos.first, "stddev", default: 0.05, range: 0...1e6)
            return n == "random_normal" ? .randomNormal(mean: m, stddev: s) : .truncatedNormal(mean: m, stddev: s)
        case "random_uniform":
            try checkKeys(kw, allowed: ["minval", "maxval"], in: n)
            let lo = try number(kw["minval"], "minval", default: -0.05)
            let hi = try number(kw["maxval"], "maxval", default: 0.05)
            guard hi >= lo else { throw ShellError("random_uniform needs minval ≤ maxval", at: a.span) }
            return .randomUniform(minval: lo, maxval: hi)
        case "variance_scaling":
            try checkKeys(kw, allowed: ["scale", "mode", "distribution"], in: n)
            let scale = try number(kw["scale"] ?? pos.first, "scale", default: 1, range: 1e-12...1e6)
            let mode = try kw["mode"].map { try Arguments.choice($0, name: "mode", from: Initializer.FanMode.allCases.map(\.rawValue)) } ?? "fan_in"
            let dist = try kw["distribution"].map { try Arguments.choice($0, name: "distribution", from: Initializer.Distribution.allCases.map(\.rawValue) + ["normal"]) } ?? "truncated_normal"
            return .varianceScaling(scale: scale, mode: Initializer.FanMode(rawValue: mode)!,
                                    distribution: Initializer.Distribution(rawValue: dist == "normal" ? "truncated_normal" : dist)!, name: nil)
        default:
            guard let i = Initializer.named(n) else {
                throw ShellError("'\(n)' is not an initializer" + Suggestions.hint(for: n, in: Initializer.names), at: a.span)
            }
            if !kw.isEmpty || !pos.isEmpty {
                if case .varianceScaling(_, let mode, let dist, _) = i, let s = kw["scale"] {
                    return .varianceScaling(scale: try Arguments.float(s, name: "scale", range: 1e-12...1e6), mode: mode, distribution: dist, name: nil)
                }
                throw ShellError("\(n) takes no arguments here", at: a.span)
            }
            return i
        }
    }

    static func regularizer(_ a: Argument) throws -> Regularizer {
        guard let n = name(a.value) else { throw ShellError("a regularizer is l1(0.01), l2(0.01) or l1_l2(l1=…, l2=…)", at: a.span) }
        let (pos, kw) = try callArgs(a.value)
        switch n {
        case "l1":
            try checkKeys(kw, allowed: ["l1"], in: n)
            return Regularizer(l1: try number(kw["l1"] ?? pos.first, "l1", default: 0.01, range: 0...1e6))
        case "l2":
            try checkKeys(kw, allowed: ["l2"], in: n)
            return Regularizer(l2: try number(kw["l2"] ?? pos.first, "l2", default: 0.01, range: 0...1e6))
        case "l1_l2":
            try checkKeys(kw, allowed: ["l1", "l2"], in: n)
            return Regularizer(l1: try number(kw["l1"] ?? pos.first, "l1", default: 0.01, range: 0...1e6),
                               l2: try number(kw["l2"] ?? (pos.count > 1 ? pos[1] : nil), "l2", default: 0.01, range: 0...1e6))
        default:
            throw ShellError("'\(n)' is not a regularizer" + Suggestions.hint(for: n, in: ["l1", "l2", "l1_l2"]), at: a.span)
        }
    }

    static func constraint(_ a: Argument) throws -> Constraint {
        guard let n = name(a.value) else { throw ShellError("a constraint is max_norm(1.0) or non_neg", at: a.span) }
        let (pos, kw) = try callArgs(a.value)
        switch n {
        case "max_norm":
            try checkKeys(kw, allowed: ["max_value"], in: n)
            return .maxNorm(try number(kw["max_value"] ?? pos.first, "max_value", default: 2, range: 1e-12...1e12))
        case "non_neg": return .nonNeg
        default: throw ShellError("'\(n)' is not a constraint" + Suggestions.hint(for: n, in: ["max_norm", "non_neg"]), at: a.span)
        }
    }

    static let optimizerKeys = ["learning_rate", "lr", "momentum", "nesterov", "rho", "beta_1", "beta_2", "epsilon",
                                "initial_accumulator_value", "decay", "clipnorm", "clipvalue", "global_clipnorm"]

    /// `sgd(learning_rate=0.01, momentum=0.9, nesterov=true)` and friends.
    static func optimizer(_ a: Argument) throws -> (OptimizerKind, learningRate: Float?, decay: Float?, clipping: Clipping) {
        guard let n = name(a.value) else { throw ShellError("optimizer must be a name like sgd or adam(learning_rate=0.001)", at: a.span) }
        let (pos, kw) = try callArgs(a.value)
        guard OptimizerKind.names.contains(n) else {
            throw ShellError("'\(n)' is not an optimizer" + Suggestions.hint(for: n, in: OptimizerKind.names), at: a.span)
        }
        let allowed: [String]
        switch n {
        case "sgd": allowed = ["learning_rate", "lr", "momentum", "nesterov", "decay"]
        case "adagrad": allowed = ["learning_rate", "lr", "initial_accumulator_value", "epsilon", "decay"]
        case "rmsprop": allowed = ["learning_rate", "lr", "rho", "momentum", "epsilon", "decay"]
        default: allowed = ["learning_rate", "lr", "beta_1", "beta_2", "epsilon", "decay"]
        }
        try checkKeys(kw, allowed: allowed + ["clipnorm", "clipvalue", "global_clipnorm"], in: n)
        if pos.count > 1 { throw ShellError("\(n)() takes at most one positional argument (the learning rate)", at: pos[1].span) }
        let lrArg = kw["learning_rate"] ?? kw["lr"] ?? pos.first
        let lr = try lrArg.map { try Arguments.float($0, name: "learning_rate", range: 0...1e6) }
        let decay = try kw["decay"].map { try Arguments.float($0, name: "decay", range: 0...1e6) }
        func f(_ k: String, _ d: Float, _ r: ClosedRange<Double> = 0...1) throws -> Float { try number(kw[k], k, default: d, range: r) }
        let kind: OptimizerKind
        switch n {
        case "sgd":
            kind = .sgd(momentum: try f("momentum", 0), nesterov: try kw["nesterov"].map { try Arguments.bool($0, name: "nesterov") } ?? false)
        case "adagrad":
            kind = .adagrad(initialAccumulator: try f("initial_accumulator_value", 0.1, 0...1e6), epsilon: try f("epsilon", 1e-7))
        case "rmsprop":
            kind = .rmsprop(rho: try f("rho", 0.9), momentum: try f("momentum", 0), epsilon: try f("epsilon", 1e-7))
        case "adam": kind = .adam(beta1: try f("beta_1", 0.9), beta2: try f("beta_2", 0.999), epsilon: try f("epsilon", 1e-7))
        case "adamax": kind = .adamax(beta1: try f("beta_1", 0.9), beta2: try f("beta_2", 0.999), epsilon: try f("epsilon", 1e-7))
        default: kind = .nadam(beta1: try f("beta_1", 0.9), beta2: try f("beta_2", 0.999), epsilon: try f("epsilon", 1e-7))
        }
        let clip = Clipping(clipValue: try kw["clipvalue"].map { try Arguments.float($0, name: "clipvalue", range: 1e-12...1e12) },
                            clipNorm: try kw["clipnorm"].map { try Arguments.float($0, name: "clipnorm", range: 1e-12...1e12) },
                            globalClipNorm: try kw["global_clipnorm"].map { try Arguments.float($0, name: "global_clipnorm", range: 1e-12...1e12) })
        return (kind, lr, decay, clip)
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
