import GradTensor

/// Applies gradients to parameters: clipping once here, then `rule`'s step (one type per update rule, see
/// `OptimizerRule`), with per-parameter slots (momentum, accumulators) keyed by the parameter, as MLX Swift's
/// `OptimizerBase`. The learning rate is settable so schedules and callbacks can move it.
public final class Optimizer {
    public let rule: any OptimizerRule
    /// The base rate, or the schedule's rate at step 0 when a schedule is set.
    public var learningRate: Float
    /// When set, the rate at each step comes from it.
    public var schedule: LearningRateSchedule?
    public var clipping: Clipping
    /// Keras' decoupled `weight_decay`: before each step every trainable
    /// variable becomes `w − w·wd·lr` (the rate in force at that step), for
    /// every rule (AdamW is Adam with 0.004 by default).
    public var weightDecay: Float?
    /// Steps taken so far (Keras' `optimizer.iterations`).
    public private(set) var iterations: Int = 0
    /// How many steps had at least one gradient clipped.
    public private(set) var clippedSteps: Int = 0
    private var slots: [ObjectIdentifier: [Tensor]] = [:]
    /// The rule's numbers beyond the slots (`rule.scalars`, Nadam's momentum product).
    private var ruleScalars: [Double]

    public init(rule: any OptimizerRule, learningRate: Float? = nil, schedule: LearningRateSchedule? = nil,
                clipping: Clipping = Clipping(), weightDecay: Float? = nil) {
        self.rule = rule
        self.weightDecay = weightDecay ?? type(of: rule).defaultWeightDecay
        self.learningRate = learningRate ?? rule.defaultLearningRate
        self.schedule = schedule
        self.clipping = clipping
        self.ruleScalars = type(of: rule).scalars.map(\.initial)
    }

    /// The rate the next step will use.
    public var currentLearningRate: Float {
        schedule?.rate(at: iterations) ?? learningRate
    }

    /// Forgets slots and the step count (a fresh `compile`).
    public func reset() {
        slots = [:]
        iterations = 0
        clippedSteps = 0
        ruleScalars = type(of: rule).scalars.map(\.initial)
    }

    /// The slot tensors of a parameter (empty before its first step).
    public func slots(of p: Parameter) -> [Tensor] { slots[ObjectIdentifier(p)] ?? [] }

    /// Restores slots (when loading a model with its optimizer state).
    public func setSlots(_ tensors: [Tensor], for p: Parameter) { slots[ObjectIdentifier(p)] = tensors }
    public func setIterations(_ n: Int) { iterations = n }

    /// The state beyond the slots, as text that round-trips exactly (the rule's scalars, the count of clipped
    /// steps), for saving a model.
    public var scalarState: [String: String] {
        var state = ["clipped_steps": "\(clippedSteps)"]
        for (key, value) in zip(type(of: rule).scalars, ruleScalars) { state[key.name] = "\(value)" }
        // Saved models have always carried Nadam's product, whatever the rule (1 when unused): kept, so that
        // the files stay the same bits.
        if state["nadam_momentum_product"] == nil { state["nadam_momentum_product"] = "\(Double(1))" }
        return state
    }

    public func setScalarState(_ state: [String: String]) {
        for (i, key) in type(of: rule).scalars.enumerated() {
            if let v = state[key.name].flatMap(Double.init), v.isFinite, key.range.contains(v) { ruleScalars[i] = v }
        }
        if let v = state["clipped_steps"].flatMap(Int.init), v >= 0 { clippedSteps = v }
    }

    /// Copies all state from another optimizer over the same parameters.
    public func copyState(from other: Optimizer, mapping: [(Parameter, Parameter)]) {
        iterations = other.iterations
        clippedSteps = other.clippedSteps
        if other.ruleScalars.count == ruleScalars.count { ruleScalars = other.ruleScalars }
        learningRate = other.learningRate
        slots = [:]
        for (from, to) in mapping { slots[ObjectIdentifier(to)] = other.slots(of: from).map { $0.copy() } }
    }

    /// Everything the optimizer remembers, for rollback.
    public struct State {
        var slots: [ObjectIdentifier: [Tensor]]
        var iterations: Int
        var clippedSteps: Int
        var ruleScalars: [Double]
        var learningRate: Float
    }

    public func saveState() -> State {
        State(slots: slots.mapValues { $0.map { $0.copy() } }, iterations: iterations, clippedSteps: clippedSteps,
              ruleScalars: ruleScalars, learningRate: learningRate)
    }

    /// `saveState()` into the tensors of an earlier state where they match
    /// (the training loop's checkpoints: no allocation per checkpoint).
    public func saveState(reusing earlier: State) -> State {
        var kept = earlier.slots
        for (id, tensors) in slots {
            if let old = kept[id], old.count == tensors.count {
                for (t, o) in zip(tensors, old) { o.assign(t) }
            } else {
                kept[id] = tensors.map { $0.copy() }
            }
        }
        if kept.count != slots.count { kept = kept.filter { slots[$0.key] != nil } }
        return State(slots: kept, iterations: iterations, clippedSteps: clippedSteps,
                     ruleScalars: ruleScalars, learningRate: learningRate)
    }

    public func restoreState(_ s: State) {
        slots = s.slots.mapValues { $0.map { $0.copy() } }
        iterations = s.iterations
        clippedSteps = s.clippedSteps
        ruleScalars = s.ruleScalars
        learningRate = s.learningRate
    }

    /// One step over `parameters` (only the trainable ones move).
    public func update(_ parameters: [Parameter]) {
        let trainable = parameters.filter { $0.trainable }
        if clipping.isActive, clipping.apply(trainable.map { $0.gradient }) { clippedSteps += 1 }
        let step = beginStep(trainable)
        finish(step, rest: trainable)
    }

    /// One step's update, its constants computed once for every parameter:
    /// `apply` moves one parameter (its decoupled weight decay, the rule's
    /// step, its constraint) and reads and writes only that parameter's
    /// tensors, so parameters may be moved on any thread, in any order, while
    /// the backward pass goes on below them (`Sequential.trainStep`); `finish`
    /// moves the rest and counts the step. Nothing in the optimizer changes
    /// until `finish`: a step that is begun and dropped leaves it as it was,
    /// except for the zero slots of parameters it had not seen.
    public struct Step {
        /// Moves elements `range` of a parameter; a parameter with a
        /// constraint (which needs the whole tensor) only whole.
        fileprivate let update: (Parameter, Range<Int>) -> Void
        fileprivate let scalars: [Double]

        public func apply(_ p: Parameter) { update(p, 0..<p.count) }
    }

    /// The step the next `finish` counts, over `trainable` (their slots made
    /// here, on the calling thread). Not for clipped steps: clipping needs
    /// every gradient before any update (`update` clips first).
    public func beginStep(_ trainable: [Parameter]) -> Step { beginStep(rule, trainable) }

    private func beginStep<R: OptimizerRule>(_ rule: R, _ trainable: [Parameter]) -> Step {
        var scalars = ruleScalars
        let constants = rule.prepare(step: Double(iterations + 1), learningRate: currentLearningRate, scalars: &scalars)
        var owned: [ObjectIdentifier: [Tensor]] = [:]
        for p in trainable {
            let key = ObjectIdentifier(p)
            var s = slots[key] ?? []
            if s.isEmpty && rule.slotCount > 0 {
                s = (0..<rule.slotCount).map { i in
                    let t = Tensor(zeros: p.value.shape)
                    let v = rule.initialSlotValue(i)
                    if v != 0 { t.fill(v) }
                    return t
                }
                slots[key] = s
            }
            owned[key] = s
        }
        let decay = weightDecay.flatMap { $0 != 0 ? $0 : nil }, lr = currentLearningRate
        return Step(update: { p, range in
            guard let s = owned[ObjectIdentifier(p)] else { preconditionFailure("\(p.name) is not in this step") }
            let (w, g, lo) = (p.value.data, p.gradient.data, range.lowerBound)
            if let wd = decay {
                // Keras' BaseOptimizer._apply_weight_decay, in float32 and in its order: w - w * wd * lr.
                for i in range { w[i] = w[i] - w[i] * wd * lr }
            }
            rule.apply(constants, weights: w + lo, gradient: g + lo, slots: s, offset: lo, count: range.count)
            if let c = p.constraint {
                precondition(range == 0..<p.count, "a constrained parameter is moved whole")
                c.apply(p.value)
            }
        }, scalars: scalars)
    }

    /// Moves `rest`, the step's parameters no one has moved yet, and counts the step.
    public func finish(_ step: Step, rest: [Parameter]) {
        // Each variable's update reads and writes only its own tensors: the two halves of the
        // list may run side by side, with the same bits either way.
        var rest = rest
        if let big = rest.indices.max(by: { rest[$0].count < rest[$1].count }), rest[big].constraint == nil,
           2 * rest[big].count > rest.reduce(0, { $0 + $1.count }) {
            // One parameter holds most of the elements (a first kernel of 784 × units beside
            // small ones): its elements in two halves, each element by the same code either way.
            let p = rest.remove(at: big)
            Parallel.halves(p.count, granule: 16, kind: .optimizerUpdate) { lo, hi in step.update(p, lo..<hi) }
        }
        Parallel.items(sizes: rest.map { $0.count }, kind: .optimizerUpdate) { range in
            for p in rest[range] { step.apply(p) }
        }
        ruleScalars = step.scalars
        iterations += 1
    }

    /// `sgd(learning_rate=0.01, momentum=0.9, nesterov=true)`-style text.
    public var description: String {
        let d = rule.description(learningRate: schedule?.description ?? formatFloat(learningRate))
        guard let wd = weightDecay else { return d }
        return String(d.dropLast()) + ", weight_decay=\(formatFloat(wd)))"
    }
}
