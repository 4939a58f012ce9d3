/// The metrics of one epoch, as Keras' `History.history` holds them.
public struct EpochLogs: Equatable, Sendable {
    public var epoch: Int
    public var loss: Double
    public var accuracy: Double
    public var valLoss: Double?
    public var valAccuracy: Double?
    public var learningRate: Double
    public var seconds: Double
    public var steps: Int

    public init(epoch: Int, loss: Double, accuracy: Double, valLoss: Double? = nil, valAccuracy: Double? = nil,
                learningRate: Double, seconds: Double, steps: Int) {
        self.epoch = epoch
        self.loss = loss
        self.accuracy = accuracy
        self.valLoss = valLoss
        self.valAccuracy = valAccuracy
        self.learningRate = learningRate
        self.seconds = seconds
        self.steps = steps
    }

    /// A metric by Keras name (`loss`, `val_accuracy`, `lr`).
    public func value(_ name: String) -> Double? {
        switch name {
        case "loss": return loss
        case "accuracy", "acc": return accuracy
        case "val_loss": return valLoss
        case "val_accuracy", "val_acc": return valAccuracy
        case "lr", "learning_rate": return learningRate
        default: return nil
        }
    }
}

/// Every epoch trained so far.
public struct History: Sendable {
    public var epochs: [EpochLogs] = []
    public init() {}
    public var last: EpochLogs? { epochs.last }
    public func series(_ name: String) -> [Double] { epochs.compactMap { $0.value(name) } }
}
