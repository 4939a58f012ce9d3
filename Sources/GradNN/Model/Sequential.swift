import Foundation
import GradTensor

/// Keras' `Sequential`: a stack of layers, each fed the previous one's output.
/// Layers are built as soon as the input shape is known.
public final class Sequential {
    public private(set) var layers: [Layer] = []
    /// Per-sample input shape, once known (from data or a loaded model).
    public private(set) var inputShape: [Int]?
    /// Set by `compile`.
    public var loss: Loss?
    public var optimizer: Optimizer?
    public var metrics: [String] = []
    /// One entry per epoch trained, across `fit` calls.
    public var history = History()
    /// Layers to freeze once built (from a loaded description).
    public var frozenNames: Set<String> = []

    private let lossGradient = Tensor(zeros: [0])
    /// dL/d(output) plus the activity penalty's gradient, for a layer with an activity regularizer.
    private let activityGradient = Tensor(zeros: [0])

    public init() {}

    /// Whether `compile` has been called.
    public var isCompiled: Bool { loss != nil && optimizer != nil }

    /// All variables in layer order.
    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }

    /// A unique Keras-style name for a new layer (`dense`, `dense_1`, …).
    public func uniqueName(for base: String) -> String {
        let taken = Set(layers.map(\.name))
        if !taken.contains(base) { return base }
        var i = 1
        while taken.contains("\(base)_\(i)") { i += 1 }
        return "\(base)_\(i)"
    }

    /// The per-sample shape the next layer would receive.
    public var outputShape: [Int]? {
        guard inputShape != nil else { return nil }
        return layers.last?.outputShape ?? inputShape
    }

    /// Appends a layer, building it now if the input shape is known. On a
    /// build error the model is unchanged.
    public func add(_ layer: Layer, rng: inout RandomGenerator) throws {
        if layers.contains(where: { $0.name == layer.name }) { layer.rename(uniqueName(for: layer.name)) }
        if let shape = outputShape {
            try layer.build(inputShape: shape, rng: &rng)
        }
        layers.append(layer)
    }

    /// Removes and returns the last layer.
    @discardableResult
    public func removeLast() -> Layer? { layers.popLast() }

    /// Replaces the layer list wholesale (for load, reuse and undo).
    public func setLayers(_ newLayers: [Layer], inputShape: [Int]?) {
        layers = newLayers
        self.inputShape = inputShape
    }

    /// Fixes the input shape and builds every layer not yet built.
    /// Throws (leaving the model unbuilt) if a layer does not fit.
    public func build(inputShape shape: [Int], rng: inout RandomGenerator) throws {
        if let existing = inputShape, existing == shape, layers.allSatisfy(\.isBuilt) { return }
        if let existing = inputShape, existing != shape, layers.contains(where: \.isBuilt) {
            throw ModelError("the model expects inputs of shape \(shapeText(existing)) but the data has \(shapeText(shape)); start a new model with `model new`")
        }
        var current = shape
        for layer in layers {
            if !layer.isBuilt { try layer.build(inputShape: current, rng: &rng) }
            current = layer.outputShape
        }
        inputShape = shape
    }

    /// Bytes a build of the whole model would allocate for `inputShape`.
    public func estimatedBytes(adding layer: Layer) -> Int {
        layer.estimatedBytes(inputShape: outputShape ?? [1])
    }

    /// The forward pass over all layers.
    public func callAsFunction(_ x: Tensor, mode: ForwardMode, rng: inout RandomGenerator) -> Tensor {
        var h = x
        for layer in layers { h = layer(h, mode: mode, rng: &rng) }
        return h
    }

    /// Whether the loss can hand the last layer dL/d(pre-activation) directly:
    /// not when that layer has an activity regularizer, whose gradient is
    /// added to dL/d(output).
    var fusesOutput: Bool {
        guard let loss, let fused = loss.fusedActivation, let last = layers.last as? ActivatedLayer else { return false }
        if let d = last as? Dense, d.activityRegularizer != nil { return false }
        return last.activation == fused
    }

    /// The activity penalties (Keras' `activity_regularizer`) of the last
    /// forward pass's outputs, each divided by the batch size as in Keras 3.
    public var activityPenalty: Float {
        var p: Float = 0
        for case let d as Dense in layers where d.activityRegularizer != nil { p += d.activityPenalty }
        return p
    }

    /// Forward and backward on one batch, as `plan` (default: the model's
    /// plan) says: fills every gradient (including regularization) and
    /// returns the loss (data part, penalty part: weight and activity
    /// regularizers) and the number of correct
    /// predictions. With `sgdRate`, the plan's fused layers are updated by
    /// plain SGD inside their backward pass, and only when the loss is
    /// finite; nothing else is updated. `watch` stops the step at the first
    /// message it returns (`stopped`).
    ///
    /// With `beginUpdate`, which is called once the loss is known to be finite
    /// and returns the optimizer's step, the plan's background layers are
    /// moved by that step during the backward pass (see `trainStep`); the
    /// step's other parameters are the caller's to move.
    public func computeGradients(_ x: Tensor, targets: UnsafePointer<Float>, mode: ForwardMode = .training,
                                 plan given: TrainingPlan? = nil, sgdRate: Float? = nil, watch: StepWatch? = nil,
                                 beginUpdate: (() -> Optimizer.Step)? = nil,
                                 rng: inout RandomGenerator) -> (loss: Float, penalty: Float, correct: Int, stopped: String?) {
        guard let loss else { return (.nan, 0, 0, nil) }
        let plan = given ?? self.plan()
        var out = x
        for (i, layer) in layers.enumerated() {
            out = layer(out, mode: mode, rng: &rng)
            if let message = watch?.forward(i, out) { return (.nan, 0, 0, message) }
        }
        let value = loss.compute(output: out, targets: targets, gradient: lossGradient, fused: plan.fusesOutput)
        let correct = Accuracy.correct(output: out, targets: targets)
        var penalty = activityPenalty
        if watch != nil && !value.isFinite { return (value, 0, correct, "the loss") }
        // No update from a step whose loss is not finite.
        let rate = value.isFinite ? sgdRate : nil
        let step = value.isFinite && !plan.backgroundLayers.isEmpty ? beginUpdate?() : nil
        defer { if step != nil { Background.wait() } }
        var g = lossGradient
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let needsInput = i > plan.firstTrainable
            let fromPreActivation = i == layers.count - 1 && plan.fusesOutput
            let layerRate = plan.fusedSGDLayers.contains(i) ? rate : nil
            // Keras adds the activity penalty to the loss: its gradient joins dL/d(output) before
            // the layer's backward pass (whichever it is: plain, fused SGD or folded; never fused
            // with the loss, see `fusesOutput`).
            if let dense = layers[i] as? Dense, dense.activityRegularizer != nil {
                activityGradient.assign(g)
                dense.addActivityGradient(to: activityGradient)
                g = activityGradient
            }
            if i == plan.foldAt, let dense = layers[i] as? Dense, let input = (layers[i - 1] as? BatchNormalization)?.affineOutput {
                if fromPreActivation { dense.backward(preActivationGradient: g, folding: input, rate: layerRate) }
                else { dense.backward(g, folding: input, rate: layerRate) }
                break
            }
            if let step, movesInBackground(i, plan: plan, rows: x.rows), let dense = layers[i] as? Dense {
                g = fromPreActivation ? dense.backward(preActivationGradient: g, needsInputGradient: needsInput, updatingInBackground: step.apply)
                                      : dense.backward(g, needsInputGradient: needsInput, updatingInBackground: step.apply)
            } else if let layerRate, let dense = layers[i] as? Dense {
                g = fromPreActivation ? dense.backward(preActivationGradient: g, rate: layerRate, needsInputGradient: needsInput)
                                      : dense.backward(g, rate: layerRate, needsInputGradient: needsInput)
            } else if fromPreActivation, let last = layers[i] as? ActivatedLayer {
                g = last.backward(preActivationGradient: g, needsInputGradient: needsInput)
            } else {
                g = layers[i].backward(g, needsInputGradient: needsInput)
            }
            if let message = watch?.backward(i, needsInput ? g : nil) { return (value, 0, correct, message) }
            if !needsInput { break }
        }
        for p in parameters where p.trainable {
            if let r = p.regularizer {
                penalty += r.penalty(p.value)
                r.addGradient(p.value, to: p.gradient)
            }
        }
        return (value, penalty, correct, nil)
    }

    /// Whether layer `i`'s parameters are moved in the background during the
    /// backward pass of a step that has an optimizer step (see `trainStep`).
    func movesInBackground(_ i: Int, plan: TrainingPlan, rows: Int) -> Bool {
        plan.backgroundLayers.contains(i) && (layers[i] as? Dense)?.updatesInBackground(rows: rows) == true
    }

    /// Whether the optimizer may move dense layers on the second core while
    /// the backward pass goes on below them (`TrainingPlan.backgroundLayers`).
    /// Tests turn it off to compare with the reference path.
    public var allowBackgroundUpdates = true

    /// Whether a dense layer right after the first trainable layer, a
    /// BatchNormalization, may compute that layer's dγ and dβ itself instead
    /// of the input gradient (see `AffineInput`). Tests turn it off to compare
    /// with the reference path.
    public var allowFoldedNormalization = true

    /// Whether plain SGD may update dense layers inside their backward pass
    /// (one sgemm instead of a gradient write plus an update pass). Tests
    /// turn it off to compare with the reference path.
    public var allowFusedUpdates = true

    /// One training step as `plan` says (default: the model's plan):
    /// gradients, then the optimizer's update of what the backward pass did
    /// not update itself. A step whose loss is not finite updates nothing and
    /// is not counted.
    public func trainStep(_ x: Tensor, targets: UnsafePointer<Float>, plan given: TrainingPlan? = nil,
                          rng: inout RandomGenerator) -> (loss: Float, correct: Int) {
        let plan = given ?? self.plan()
        let rate = plan.fusedSGDLayers.isEmpty ? nil : optimizer?.currentLearningRate
        var step: Optimizer.Step? = nil
        let begin = { () -> Optimizer.Step in
            let s = self.optimizer!.beginStep(self.parameters.filter { $0.trainable })
            step = s
            return s
        }
        let r = computeGradients(x, targets: targets, plan: plan, sgdRate: rate,
                                 beginUpdate: optimizer == nil || optimizer!.clipping.isActive ? nil : begin, rng: &rng)
        guard r.loss.isFinite, let optimizer else { return (r.loss + r.penalty, r.correct) }
        if let step {
            // The background layers are moved; the step moves the rest and is counted.
            var rest: [Parameter] = []
            for (i, l) in layers.enumerated() where !plan.fusedSGDLayers.contains(i) && !movesInBackground(i, plan: plan, rows: x.rows) {
                rest += l.parameters.filter { $0.trainable }
            }
            optimizer.finish(step, rest: rest)
        } else if rate == nil {
            optimizer.update(parameters)
        } else {
            // The fused layers are already updated; the optimizer moves the rest and counts the step.
            var rest: [Parameter] = []
            for (i, l) in layers.enumerated() where !plan.fusedSGDLayers.contains(i) { rest += l.parameters }
            optimizer.update(rest)
        }
        return (r.loss + r.penalty, r.correct)
    }

    /// Total parameter counts.
    public var counts: (total: Int, trainable: Int, nonTrainable: Int) {
        let t = layers.reduce(0) { $0 + $1.trainableCount }
        let n = layers.reduce(0) { $0 + $1.nonTrainableCount }
        return (t + n, t, n)
    }

    /// A copy of every variable's value, in order (for rollback and best-weights).
    public func snapshot() -> [Tensor] { parameters.map { $0.value.copy() } }

    /// `snapshot()` into the tensors of an earlier one, when it has one per
    /// parameter (the training loop's checkpoints: no allocation per checkpoint).
    public func snapshot(reusing earlier: [Tensor]) -> [Tensor] {
        let ps = parameters
        guard earlier.count == ps.count else { return snapshot() }
        for (p, t) in zip(ps, earlier) { t.assign(p.value) }
        return earlier
    }

    /// Restores values taken by `snapshot()`.
    public func restore(_ values: [Tensor]) {
        for (p, v) in zip(parameters, values) where p.value.count == v.count { p.value.assign(v) }
    }
}
