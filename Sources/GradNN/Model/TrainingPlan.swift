import GradTensor

/// How a training step runs for the model as it stands: the fast paths it
/// may take, decided once (by `Sequential.plan()`, at the start of each
/// `fit`) instead of re-discovered in every step. Each fast path gives the
/// reference path's result to float rounding (`FastPathTests`,
/// `FoldedNormalizationTests`); `Sequential.allowFusedUpdates` and
/// `allowFoldedNormalization` turn them off.
public struct TrainingPlan: Equatable {
    /// The loss hands the last layer dL/d(pre-activation) directly
    /// (softmax + cross-entropy, sigmoid + binary cross-entropy).
    public var fusesOutput: Bool
    /// The first layer with a trainable variable: no gradient flows below it.
    public var firstTrainable: Int
    /// A Dense layer right after that first trainable layer, a
    /// BatchNormalization, computes the normalization's dγ and dβ itself
    /// instead of an input gradient (see `AffineInput`).
    public var foldAt: Int?
    /// Dense layers that plain SGD updates inside their backward pass (one
    /// sgemm with β = 1 instead of a gradient write and an update pass).
    public var fusedSGDLayers: Set<Int>
    /// Dense layers whose kernel and bias gradients and optimizer update run
    /// on the second core while the backward pass goes on below them (see
    /// `Dense.backward(…updatingInBackground:)`; each checks its batch's
    /// product size itself).
    public var backgroundLayers: Set<Int> = []
}

extension Sequential {
    /// The plan for the model, loss and optimizer as they are now.
    public func plan() -> TrainingPlan {
        let firstTrainable = layers.firstIndex { $0.parameters.contains { $0.trainable } } ?? layers.count
        var foldAt: Int? = nil
        let i = firstTrainable + 1
        if allowFoldedNormalization, i < layers.count, let dense = layers[i] as? Dense, dense.kernel.trainable,
           layers[i - 1] is BatchNormalization {
            foldAt = i
        }
        var fused = Set<Int>()
        if allowFusedUpdates, let o = optimizer, let sgd = o.rule as? SGD, sgd.momentum == 0, !o.clipping.isActive,
           (o.weightDecay ?? 0) == 0 {
            // Plain SGD without clipping (it needs every gradient first) or decay, on layers
            // without a regularizer or constraint: the same update as the optimizer's.
            for (i, l) in layers.enumerated() {
                guard let d = l as? Dense, d.kernel.trainable, d.kernel.regularizer == nil, d.kernel.constraint == nil,
                      d.bias?.regularizer == nil else { continue }
                fused.insert(i)
            }
        }
        var background = Set<Int>()
        if allowBackgroundUpdates, let o = optimizer, !o.clipping.isActive {
            // Clipping needs every gradient before any update; regularizers are checked per layer.
            for (i, l) in layers.enumerated() where i >= firstTrainable && i != foldAt && !fused.contains(i) && l is Dense {
                background.insert(i)
            }
        }
        return TrainingPlan(fusesOutput: fusesOutput, firstTrainable: firstTrainable, foldAt: foldAt, fusedSGDLayers: fused,
                            backgroundLayers: background)
    }

    /// Every gradient written out, from the last layer to the first, and no
    /// update inside the backward pass: what the flight recorder checks.
    public func referencePlan() -> TrainingPlan {
        TrainingPlan(fusesOutput: fusesOutput, firstTrainable: 0, foldAt: nil, fusedSGDLayers: [])
    }
}

/// Checks run inside a step by the flight recorder: after each layer's
/// forward pass (its output) and backward pass (the gradient flowing out of
/// it, nil below the first trainable layer). A returned message stops the step.
public struct StepWatch {
    public var forward: (_ layer: Int, _ output: Tensor) -> String?
    public var backward: (_ layer: Int, _ inputGradient: Tensor?) -> String?

    public init(forward: @escaping (Int, Tensor) -> String?, backward: @escaping (Int, Tensor?) -> String?) {
        self.forward = forward
        self.backward = backward
    }
}
