import GradTensor

/// A layer's output of the form `x = x̂·γ + β`, one γ and β per feature —
/// BatchNormalization's — described so that the `Dense` layer it feeds can
/// take it apart in its backward pass.
///
/// When nothing before the normalization needs a gradient (it normalizes the
/// model's input), the only use of `dL/dx` is `dγ = Σ dx·x̂` and `dβ = Σ dx`.
/// With `G = x̂ᵀ·dz` (the product the dense layer's kernel gradient needs
/// anyway, taken on x̂ instead of x) and `s = Σ dz`:
/// `dγ[j] = Σ_k W[j, k]·G[j, k]`, `dβ[j] = Σ_k W[j, k]·s[k]` and the kernel's
/// gradient is `γ[j]·G[j, k] + β[j]·s[k]` — one pass over the kernel instead of
/// the [batch, features] × [features, units] product `dz·Wᵀ`.
public struct AffineInput {
    /// x̂, [batch, features], as the forward pass computed it.
    public let normalized: Tensor
    /// γ per feature (ones when the layer does not scale).
    public let gamma: UnsafePointer<Float>
    /// β per feature (zeros when the layer does not center).
    public let beta: UnsafePointer<Float>
    /// Where dγ and dβ go (scratch when the layer has no γ or β).
    public let gammaGradient: UnsafeMutablePointer<Float>
    public let betaGradient: UnsafeMutablePointer<Float>
}
