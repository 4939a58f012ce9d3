import GradNN
import GradTensor
import XCTest

/// The update rules run eight weights at a time with a partial vector at the
/// end. The Keras parity tests check the rules on 3-element tensors (the
/// partial path); here a 21-element tensor (two full vectors and a partial
/// one) must move exactly as 21 one-element tensors do.
final class OptimizerLanesTests: XCTestCase {
    func testFullVectorsMoveExactlyAsSingleWeights() {
        let kinds: [any OptimizerRule] = [
            SGD(momentum: 0.9, nesterov: false), SGD(momentum: 0.9, nesterov: true),
            Adagrad(initialAccumulatorValue: 0.1, epsilon: 1e-7),
            RMSprop(rho: 0.9, momentum: 0, epsilon: 1e-7), RMSprop(rho: 0.9, momentum: 0.5, epsilon: 1e-7),
            Adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-7), Adamax(beta1: 0.9, beta2: 0.999, epsilon: 1e-7),
            Nadam(beta1: 0.9, beta2: 0.999, epsilon: 1e-7),
        ]
        let n = 21
        for kind in kinds {
            var rng = RandomGenerator(seed: 7)
            let whole = Parameter(name: "w", layerName: "t", shape: [n])
            let singles = (0..<n).map { Parameter(name: "w\($0)", layerName: "t", shape: [1]) }
            for i in 0..<n { let v = Float.random(in: -1...1, using: &rng); whole.value[i] = v; singles[i].value[0] = v }
            let a = Optimizer(rule: kind, learningRate: 0.05), b = Optimizer(rule: kind, learningRate: 0.05)
            for _ in 0..<4 {
                for i in 0..<n { let g = Float.random(in: -2...2, using: &rng); whole.gradient[i] = g; singles[i].gradient[0] = g }
                a.update([whole])
                b.update(singles)
            }
            for i in 0..<n {
                XCTAssertEqual(whole.value[i].bitPattern, singles[i].value[0].bitPattern, "\(kind) weight \(i)")
            }
        }
    }
}
