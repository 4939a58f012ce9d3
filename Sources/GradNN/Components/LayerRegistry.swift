/// Every kind of layer gradlab has, in the order `help add` lists them: a new
/// layer is its own file (the layer and its `LayerSpec`) plus one line here.
public enum LayerRegistry {
    public static let all: [LayerSpec] = [
        Dense.spec,
        Flatten.spec,
        BatchNormalization.spec,
        Dropout.spec,
        AlphaDropout.spec,
        MCDropout.spec,
        MCAlphaDropout.spec,
        ActivationLayer.spec,
        ActivationLayer.leakyReLUSpec,
        ActivationLayer.eluSpec,
        PReLU.spec,
        RReLU.spec,
        Residual.spec,
    ]

    /// The spec an `add` word names (keyword or alias).
    public static func spec(keyword: String) -> LayerSpec? {
        all.first { $0.keyword == keyword || $0.aliases.contains(keyword) }
    }

    /// The spec of a Keras class name, as `model.json` writes it.
    public static func spec(kerasClass: String) -> LayerSpec? {
        all.first { $0.kerasClass == kerasClass }
    }

    public static var keywords: [String] { all.map(\.keyword) }
}
