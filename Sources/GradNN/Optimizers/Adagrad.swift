import GradTensor

/// Keras' `Adagrad`: each weight's step shrinks with the sum of its squared gradients.
///
/// Keras: `acc += g²; w −= lr·g / sqrt(acc + ε)` (ε inside the root), the accumulator starting at
/// `initial_accumulator_value`. Defaults: `learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7`.
public struct Adagrad: OptimizerRule {
    public static let name = "adagrad"
    public static let keys: [OptimizerKey<Adagrad>] = [
        .number("initial_accumulator_value", \.initialAccumulatorValue, range: 0...1e6), .number("epsilon", \.epsilon),
    ]

    public var initialAccumulatorValue: Float
    public var epsilon: Float

    public init() { self.init(initialAccumulatorValue: 0.1, epsilon: 1e-7) }
    public init(initialAccumulatorValue: Float = 0.1, epsilon: Float = 1e-7) {
        self.initialAccumulatorValue = initialAccumulatorValue
        self.epsilon = epsilon
    }

    public var slotCount: Int { 1 }
    public func initialSlotValue(_ index: Int) -> Float { initialAccumulatorValue }

    public func prepare(step t: Double, learningRate lr: Float, scalars: inout [Double]) -> Float { lr }

    public func apply(_ lr: Float, weights w: UnsafeMutablePointer<Float>, gradient g: UnsafeMutablePointer<Float>,
                      slots: [Tensor], offset: Int, count n: Int) {
        let acc = (slots[0].data + offset), eps = epsilon
        Lanes.each(n) { i, k in
            let gv = Lanes.load(g, i, k)
            let av = Lanes.load(acc, i, k) + gv * gv
            Lanes.store(av, acc, i, k)
            Lanes.store(Lanes.load(w, i, k) - lr * gv / (av + eps).squareRoot(), w, i, k)
        }
    }
}
