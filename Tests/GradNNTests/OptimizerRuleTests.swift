import GradNN
import GradTensor
import XCTest

/// Every registered update rule, one step from a state with history (step t = 5, slots not zero), against the
/// value its Keras formula gives by hand (worked out in double precision; the formulas are the ones quoted in each
/// rule's doc comment). A rule added to `OptimizerRules.all` without a row here fails the test.
final class OptimizerRuleTests: XCTestCase {
    /// One worked case: the rule's Keras arguments, its slots and scalar state before the step, the weight after.
    struct Case {
        let arguments: [String: OptimizerValue]
        let slots: [Float]
        var scalars: [String: String] = [:]
        let expected: Double
    }

    // w = 0.5, g = 0.2, lr = 0.1, t = 5 in every case.
    let cases: [String: [Case]] = [
        // w −= lr·g = 0.5 − 0.02
        "sgd": [Case(arguments: [:], slots: [], expected: 0.48),
                // m = 0.9·0.05 − 0.02 = 0.025; w += 0.9·0.025 − 0.02
                Case(arguments: ["momentum": .number(0.9), "nesterov": .flag(true)], slots: [0.05], expected: 0.5025)],
        // acc = 0.3 + 0.04; w −= 0.02 / sqrt(0.34 + 1e-7)
        "adagrad": [Case(arguments: [:], slots: [0.3], expected: 0.46570028801557317)],
        // v = 0.9·0.01 + 0.1·0.04 = 0.013; step = 0.02 / sqrt(0.013 + 1e-7); with momentum m = 0.5·0.05 + step
        "rmsprop": [Case(arguments: [:], slots: [0.01], expected: 0.3245890707947167),
                    Case(arguments: ["momentum": .number(0.5)], slots: [0.01, 0.05], expected: 0.29958907079471675)],
        // m = 0.1 + (0.2 − 0.1)·0.1 = 0.11; v = 0.01 + (0.04 − 0.01)·0.001 = 0.01003;
        // α = 0.1·sqrt(1 − 0.999⁵)/(1 − 0.9⁵); w −= α·m/(sqrt(v) + 1e-7)
        "adam": [Case(arguments: [:], slots: [0.1, 0.01], expected: 0.48105354418782553)],
        // Keras' weight decay first (w −= w·0.004·lr = 0.0002), then Adam's step above (0.01894645581217447)
        "adamw": [Case(arguments: [:], slots: [0.1, 0.01], expected: 0.48085354418782553)],
        // m = 0.11; u = max(0.999·0.3, 0.2) = 0.2997; w −= 0.1·0.11/((1 − 0.9⁵)(0.2997 + 1e-7))
        "adamax": [Case(arguments: [:], slots: [0.1, 0.3], expected: 0.4103724993528752)],
        // uᵢ = 0.9(1 − ½·0.96ⁱ), Πu after four steps = u₁u₂u₃u₄ = 0.059018137170128354, Π₅ = Π₄·u₅;
        // m = 0.11, v = 0.01003; m̂ = u₆·m/(1 − Π₅u₆) + (1 − u₅)·g/(1 − Π₅); v̂ = v/(1 − 0.999⁵);
        // w −= 0.1·m̂/(sqrt(v̂) + 1e-7)
        "nadam": [Case(arguments: [:], slots: [0.1, 0.01], scalars: ["nadam_momentum_product": "0.059018137170128354"],
                       expected: 0.4888748379349924)],
    ]

    func testEveryRegisteredRuleStepsAsItsKerasFormula() {
        XCTAssertEqual(Set(cases.keys), Set(OptimizerRules.names), "every registered rule needs a worked case here")
        for ruleType in OptimizerRules.all {
            for c in cases[ruleType.name] ?? [] {
                let rule = ruleType.reading { c.arguments[$0.name] }
                let p = Parameter(name: "w", layerName: "t", shape: [1])
                p.value[0] = 0.5
                p.gradient[0] = 0.2
                let opt = Optimizer(rule: rule, learningRate: 0.1)
                XCTAssertEqual(rule.slotCount, c.slots.count, "\(rule)")
                if !c.slots.isEmpty { opt.setSlots(c.slots.map { Tensor(shape: [1], values: [$0]) }, for: p) }
                opt.setIterations(4)
                opt.setScalarState(c.scalars)
                opt.update([p])
                XCTAssertEqual(Double(p.value[0]), c.expected, accuracy: 2e-7, "\(opt.description)")
                XCTAssertEqual(opt.iterations, 5)
            }
        }
    }

    /// Keras' defaults, as each rule's `init()` and the registry's key specs give them.
    func testDefaultsAreKeras() {
        let described = OptimizerRules.all.map { Optimizer(rule: $0.init()).description }
        XCTAssertEqual(described, [
            "sgd(learning_rate=0.01)",
            "adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-07)",
            "rmsprop(learning_rate=0.001, rho=0.9, epsilon=1e-07)",
            "adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07)",
            "adamw(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07, weight_decay=0.004)",
            "adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07)",
            "nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07)",
        ])
        XCTAssertEqual(OptimizerRules.all.map { $0.kerasClassName },
                       ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Adamax", "Nadam"])
    }

    /// A rule's arguments read back through its keys give the same rule (Keras' get_config / from_config).
    func testArgumentsRoundTrip() {
        let rules: [any OptimizerRule] = [
            SGD(momentum: 0.5, nesterov: true), Adagrad(initialAccumulatorValue: 2, epsilon: 1e-3),
            RMSprop(rho: 0.8, momentum: 0.1, epsilon: 1e-4), Adam(beta1: 0.8, beta2: 0.99, epsilon: 1e-5),
            Adamax(beta1: 0.7), Nadam(beta2: 0.9),
        ]
        for rule in rules {
            let args = Dictionary(uniqueKeysWithValues: rule.arguments.map { ($0.name, $0.value) })
            let back = type(of: rule).reading { args[$0.name] }
            XCTAssertTrue(back.isSame(as: rule), "\(rule)")
            XCTAssertFalse(type(of: rule).init().isSame(as: rule), "\(rule)")
        }
    }
}

final class WeightDecayTests: XCTestCase {
    /// Three steps on w = [1, −2, 0.5] with the constant gradient [0.3, −0.1, 0.05], recorded
    /// from Keras 3.15.1 (JAX backend): `opt.apply_gradients([(g, v)])` three times.
    func testDecoupledWeightDecayMatchesKeras() {
        let cases: [(String, Optimizer, [Float])] = [
            ("AdamW()", Optimizer(rule: AdamW()), [0.99698805809021, -1.9969762563705444, 0.49699416756629944]),
            ("SGD(learning_rate=0.1, weight_decay=0.1)", Optimizer(rule: SGD(), learningRate: 0.1, weightDecay: 0.1),
             [0.8811960220336914, -1.9108970165252686, 0.47029900550842285]),
            ("Adam(ExponentialDecay(0.01, 1, 0.5), weight_decay=0.05)",
             Optimizer(rule: Adam(), learningRate: 0.01, schedule: .exponential(initial: 0.01, decaySteps: 1, decayRate: 0.5, staircase: false), weightDecay: 0.05),
             [0.9816298484802246, -1.98075532913208, 0.4820680320262909]),
        ]
        for (name, opt, want) in cases {
            let p = Parameter(name: "w", layerName: "l", shape: [3])
            for (i, v) in [Float(1), -2, 0.5].enumerated() { p.value[i] = v }
            for _ in 0..<3 {
                for (i, g) in [Float(0.3), -0.1, 0.05].enumerated() { p.gradient[i] = g }
                opt.update([p])
            }
            for i in 0..<3 { XCTAssertEqual(p.value[i], want[i], accuracy: 2e-7, "\(name) w[\(i)]") }
        }
        XCTAssertEqual(Optimizer(rule: AdamW()).weightDecay, 0.004)
        XCTAssertNil(Optimizer(rule: Adam()).weightDecay)
    }
}
