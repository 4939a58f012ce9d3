import GradTensor

/// Dense's fast backward passes, which `Sequential`'s `TrainingPlan` chooses:
/// the update by plain SGD inside the backward pass, and the pass that folds
/// the BatchNormalization before it. `Dense.swift` holds the plain forward
/// and backward passes they must agree with (`FastPathTests`,
/// `FoldedNormalizationTests`).
extension Dense {
    /// The backward pass that updates the kernel and bias in place by plain
    /// SGD with `rate` (`W ← W − rate·xᵀ·dz` as one sgemm with β = 1) instead
    /// of storing the kernel gradient.
    public func backward(_ outputGradient: Tensor, rate: Float, needsInputGradient: Bool) -> Tensor {
        backward(preActivationGradient: preActivationGradient(outputGradient), rate: rate, needsInputGradient: needsInputGradient)
    }

    public func backward(preActivationGradient dz: Tensor, rate: Float, needsInputGradient: Bool) -> Tensor {
        guard let x = lastInput else { return inputGradient }
        let n = dz.rows
        // dx needs the old kernel: compute it first, then update in place.
        if needsInputGradient {
            inputGradient.resize([n, x.columns])
            BLAS.matmul(dz, kernel.value, transposeB: true, into: inputGradient)
        }
        BLAS.matmul(x, transposeA: true, dz, into: kernel.value, alpha: -rate, beta: 1)
        if let b = bias {
            Vectorized.columnSums(dz.data, rows: n, cols: units, into: b.gradient.data)
            Vectorized.axpy(b.value.data, b.gradient.data, units, scale: -rate)
        }
        return inputGradient
    }

    /// The backward pass whose parameter part runs in the background
    /// (`Background`): the input gradient is computed here, from the kernel
    /// before its update; then a job computes the kernel and bias gradients
    /// and moves both with `update` (an optimizer `Step`), on the second core
    /// while the caller goes on down the model. The job reads the layer's
    /// input and `dz`, which nothing writes again before `Background.wait()`,
    /// and writes only this layer's parameters, so the bits are those of
    /// `backward` followed by the optimizer's update.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool, updatingInBackground update: @escaping (Parameter) -> Void) -> Tensor {
        backward(preActivationGradient: preActivationGradient(outputGradient), needsInputGradient: needsInputGradient,
                 updatingInBackground: update)
    }

    public func backward(preActivationGradient dz: Tensor, needsInputGradient: Bool,
                         updatingInBackground update: @escaping (Parameter) -> Void) -> Tensor {
        guard let x = lastInput else { return inputGradient }
        let n = dz.rows
        if needsInputGradient {
            inputGradient.resize([n, x.columns])
            BLAS.matmul(dz, kernel.value, transposeB: true, into: inputGradient)
        }
        let (kernel, bias, units) = (kernel, bias, units)
        Background.post {
            BLAS.gemmOnThisThread(m: x.columns, n: units, k: n, x.data, lda: x.columns, transposeA: true,
                                  dz.data, ldb: units, transposeB: false, kernel.gradient.data, ldc: units)
            update(kernel)
            if let b = bias {
                Vectorized.columnSums(dz.data, rows: n, cols: units, into: b.gradient.data)
                update(b)
            }
        }
        return inputGradient
    }

    /// Whether `backward(…updatingInBackground:)` suits this layer for a batch of `rows`:
    /// its kernel and bias train without regularizers, and its kernel-gradient product is one the
    /// splitter would leave on one core (a larger one is faster split over both) but not too
    /// small to be worth handing over (`Tuning.backgroundWork`).
    public func updatesInBackground(rows: Int) -> Bool {
        guard kernel.trainable, kernel.regularizer == nil, activityRegularizer == nil, let x = lastInput else { return false }
        if let b = bias, !b.trainable || b.regularizer != nil { return false }
        let work = x.columns * units * rows
        return work >= Tuning.backgroundWork && (work < Tuning.splitWork || units < 32)
    }

    /// The backward pass when the input is a normalization's `x̂·γ + β` whose
    /// own input gradient nobody needs: fills (or, with a `rate`, applies by
    /// plain SGD) the kernel and bias gradients and the normalization's dγ and
    /// dβ, and computes no input gradient (see `AffineInput`).
    public func backward(_ outputGradient: Tensor, folding input: AffineInput, rate: Float? = nil) {
        backward(preActivationGradient: preActivationGradient(outputGradient), folding: input, rate: rate)
    }

    /// Rows of the kernel per block of the folded pass: a block of x̂ᵀ·dz
    /// (64 × units floats) stays in the cache between its product and its use.
    static let foldBlock = 64

    public func backward(preActivationGradient dz: Tensor, folding input: AffineInput, rate: Float? = nil) {
        let n = dz.rows, features = kernel.value.rows
        precondition(input.normalized.rows == n && input.normalized.columns == features, "folded input does not match the kernel")
        if bias == nil { columnScratch.resize([units]) }
        let s = bias?.gradient.data ?? columnScratch.data
        Vectorized.columnSums(dz.data, rows: n, cols: units, into: s)
        // Block by block of kernel rows: G = x̂[:, rows]ᵀ·dz, then the fold. Without a rate
        // the block is the kernel gradient's rows (the fold turns it into dW in place); with
        // one it is scratch, one block per half, and only the kernel is written.
        let block = Dense.foldBlock, units = units
        if rate != nil { blockScratch.resize([2, block * units]) }
        let (w, dW, scratch) = (kernel.value.data, kernel.gradient.data, blockScratch.data)
        let (xh, dzp) = (UnsafePointer(input.normalized.data), UnsafePointer(dz.data))
        Parallel.halves(features, granule: 8, elementsPerItem: units, kind: .foldedDenseBackward) { lo, hi in
            var j = lo
            while j < hi {
                let rows = min(block, hi - j)
                // `g` addresses row j at g + j·units: the gradient itself, or this half's
                // scratch block shifted so that the block's first row is row j.
                let g = rate == nil ? dW : scratch + (lo == 0 ? 0 : block * units) - j * units
                BLAS.gemmOnThisThread(m: rows, n: units, k: n, xh + j, lda: features, transposeA: true,
                                      dzp, ldb: units, transposeB: false, g + j * units, ldc: units)
                Vectorized.foldAffineRows(kernel: w, gradient: g, rows: j..<(j + rows), cols: units, columnSums: s,
                                          gamma: input.gamma, beta: input.beta,
                                          gammaGradient: input.gammaGradient, betaGradient: input.betaGradient, rate: rate)
                j += rows
            }
        }
        if let rate, let b = bias { Vectorized.axpy(b.value.data, b.gradient.data, units, scale: -rate) }
    }
}
