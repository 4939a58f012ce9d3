import GradNN

/// `compile loss=… optimizer=… metrics=accuracy [clipnorm=…]`.
struct CompileCommand: Command {
    static let spec = CommandSpec(
        name: "compile", summary: "choose the loss, optimizer (with clipping and schedule) and metrics",
        usage: "compile loss=LOSS optimizer=NAME(key=value…) [metrics=accuracy] [clipnorm=N | clipvalue=N | global_clipnorm=N] [learning_rate=SCHEDULE(…)]",
        discussion: "Optimizers and defaults as Keras 3: sgd(learning_rate=0.01, momentum=0, nesterov=false), adagrad(0.001), rmsprop(0.001, rho=0.9), adam(0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7), adamax, nadam. decay=D gives the book's power schedule lr/(1+D·step). learning_rate= may be a schedule, by gradlab's short name or Keras': power(…) = inverse_time_decay(initial_learning_rate, decay_steps, decay_rate), exponential(…) = exponential_decay(initial_learning_rate, decay_steps, decay_rate, staircase), piecewise(…) = piecewise_constant_decay(boundaries=[…], values=[…]), cosine_decay(initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps), cosine_decay_restarts(initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha), polynomial_decay(initial_learning_rate, decay_steps, end_learning_rate, power, cycle), one_cycle(max_rate, total_steps, start_rate=max/10, last_rate=start/1000, last_steps=total//10+1) as the book's OneCycleScheduler. Compiling again resets the optimizer's state but keeps the weights.",
        keys: [KeySpec("loss", "sparse_categorical_crossentropy, categorical_crossentropy, binary_crossentropy, mean_squared_error", .words(Loss.allCases.map(\.rawValue))),
               KeySpec("optimizer", OptimizerRules.names.joined(separator: ", ") + " — with (key=value…)", .words(OptimizerRules.names)),
               KeySpec("metrics", "accuracy", .words(["accuracy"])),
               KeySpec("clipnorm", "rescale each gradient tensor to this L2 norm at most"),
               KeySpec("clipvalue", "clip each gradient element to [-v, v]"),
               KeySpec("global_clipnorm", "rescale all gradients together to this norm at most"),
               KeySpec("learning_rate", "a number or a schedule: power(…), exponential(…), piecewise(…), cosine_decay(…), cosine_decay_restarts(…), polynomial_decay(…), one_cycle(…)", .words(ValueParsing.scheduleNames))],
        examples: ["compile loss=sparse_categorical_crossentropy optimizer=sgd(learning_rate=0.01) metrics=accuracy",
                   "compile loss=sparse_categorical_crossentropy optimizer=sgd(learning_rate=0.01, momentum=0.9, nesterov=true) clipnorm=1.0",
                   "compile loss=sparse_categorical_crossentropy optimizer=adam learning_rate=exponential(0.01, decay_steps=1000, decay_rate=0.1)"],
        category: "train")
    let loss: Loss
    let rule: any OptimizerRule
    let learningRate: Float?
    let schedule: LearningRateSchedule?
    let clipping: Clipping
    /// `weight_decay=` inside the optimizer call (nil: the rule's default, 0.004 for adamw, none otherwise).
    let weightDecay: Float?

    init(_ args: inout Arguments, session: Session) throws {
        if let a = args.keyword("loss") {
            let n = try Arguments.choice(a, name: "loss", from: Loss.allCases.map(\.rawValue) + ["mse"])
            loss = Loss(name: n)!
        } else {
            loss = .sparseCategoricalCrossentropy
        }
        if let m = args.keyword("metrics") {
            func items(_ v: Value) -> [Value] { if case .list(let l) = v { return l }; return [v] }
            for v in items(m.value) {
                _ = try Arguments.choice(Argument(key: nil, value: v, span: m.span), name: "metric", from: ["accuracy", "acc"])
            }
        }
        let parsed = try args.keyword("optimizer").map(ValueParsing.optimizer)
            ?? ValueParsing.ParsedOptimizer(rule: SGD(), learningRate: nil, schedule: nil, decay: nil, clipping: Clipping(), weightDecay: nil)
        let (k, decay, wd) = (parsed.rule, parsed.decay, parsed.weightDecay)
        var (lr, clip) = (parsed.learningRate, parsed.clipping)
        if let a = args.keyword("clipnorm") { clip.clipNorm = try Arguments.float(a, name: "clipnorm", range: 1e-12...1e12) }
        if let a = args.keyword("clipvalue") { clip.clipValue = try Arguments.float(a, name: "clipvalue", range: 1e-12...1e12) }
        if let a = args.keyword("global_clipnorm") { clip.globalClipNorm = try Arguments.float(a, name: "global_clipnorm", range: 1e-12...1e12) }
        let given = [("clipnorm", clip.clipNorm), ("clipvalue", clip.clipValue), ("global_clipnorm", clip.globalClipNorm)].filter { $0.1 != nil }
        if given.count > 1 {
            throw ShellError("only one of clipnorm, clipvalue and global_clipnorm can be set (as in Keras); got \(given.map(\.0).joined(separator: " and "))")
        }
        var sched = parsed.schedule
        if let a = args.keyword("learning_rate") {
            if sched != nil { throw ShellError("the learning rate is given twice: in the optimizer's call and as learning_rate=", at: a.span) }
            if case .number = a.value { lr = try Arguments.float(a, name: "learning_rate", range: 0...1e6) }
            else if let s = try ValueParsing.schedule(a) { sched = s }
            else { throw ShellError("learning_rate must be a number or a schedule" + Suggestions.hint(for: ValueParsing.name(a.value) ?? "", in: ValueParsing.scheduleNames), at: a.span) }
        }
        if let d = decay, sched == nil { sched = .power(initial: lr ?? k.defaultLearningRate, decaySteps: 1, decayRate: d) }
        rule = k
        learningRate = lr
        schedule = sched
        clipping = clip
        weightDecay = wd
    }

    func run(_ session: Session) throws -> String {
        let m = try session.requireModel()
        guard !m.layers.isEmpty else { throw ShellError("the model has no layers; add some first") }
        if session.data != nil { _ = try session.requireBuiltModel() }
        if let out = m.outputShape, let d = session.data, d.classCount > 0 {
            let units = out.reduce(1, *)
            if loss == .sparseCategoricalCrossentropy || loss == .categoricalCrossentropy, units != d.classCount {
                throw ShellError("the last layer has \(plural(units, "unit")) but the data has \(plural(d.classCount, "class", "classes")); \(loss.rawValue) needs one unit per class")
            }
            if loss == .binaryCrossentropy, units != 1, units != d.classCount {
                throw ShellError("binary_crossentropy needs one sigmoid unit (or one per class); the last layer has \(units)")
            }
        }
        let opt = Optimizer(rule: rule, learningRate: schedule.map { $0.rate(at: 0) } ?? learningRate, schedule: schedule, clipping: clipping,
                            weightDecay: weightDecay)
        let old = (m.loss, m.optimizer)
        m.loss = loss
        m.optimizer = opt
        m.metrics = ["accuracy"]
        session.pushUndo("compile") { m.loss = old.0; m.optimizer = old.1 }
        var s = "compiled: loss=\(loss.rawValue) optimizer=\(opt.description)"
        if clipping.isActive { s += " \(clipping.description)" }
        if let last = m.layers.last as? ActivatedLayer, let fused = loss.fusedActivation, last.activation != fused, loss != .meanSquaredError {
            s += "\nnote: \(loss.rawValue) expects probabilities; the last layer's activation is \(last.activation.name), not \(fused.name)"
        }
        return s
    }
}
