import Foundation
import GradNN
import GradTensor
import TestSupport
import XCTest

@testable import GradShell

/// Every registered layer kind, through every place that reads its spec: a
/// new layer that misses one fails here, not in a learner's session.
final class ComponentTests: XCTestCase {
    /// A per-sample input shape the layer fits (a residual keeps its width).
    func inputShape(_ spec: LayerSpec, _ layer: Layer) -> [Int] {
        if spec.keyword == "flatten" { return [3, 4] }
        if spec.innerKeyword != nil, case .int(let u)? = layer.settings["units"] { return [u] }
        return [6]
    }

    /// The layer `spec.example` makes in a session, built for its input shape.
    func exampleLayer(_ spec: LayerSpec, file: StaticString = #filePath, line: UInt = #line) throws -> (Layer, [Int]) {
        let s = Session()
        s.run("model new")
        let r = s.run(spec.example)
        XCTAssertFalse(r.failed, "\(spec.example): \(r.output)", file: file, line: line)
        let layer = try XCTUnwrap(s.model?.layers.last, spec.example, file: file, line: line)
        XCTAssertEqual(layer.spec.keyword, spec.keyword, "\(spec.example) makes a layer of another kind", file: file, line: line)
        let shape = inputShape(spec, layer)
        var rng = RandomGenerator(seed: 5)
        try layer.build(inputShape: shape, rng: &rng)
        return (layer, shape)
    }

    func model(_ layer: Layer, _ shape: [Int]) throws -> Sequential {
        let m = Sequential()
        var rng = RandomGenerator(seed: 1)
        try m.add(layer, rng: &rng)
        if !layer.isBuilt || m.inputShape == nil { try m.build(inputShape: shape, rng: &rng) }
        return m
    }

    func testEveryLayerKindHasAUniqueKeywordAndKerasClass() {
        let words = LayerRegistry.all.flatMap { [$0.keyword] + $0.aliases }
        XCTAssertEqual(Set(words).count, words.count, "an add word names two layer kinds")
        let classes = LayerRegistry.all.map(\.kerasClass)
        XCTAssertEqual(Set(classes).count, classes.count, "a Keras class names two layer kinds")
        for spec in LayerRegistry.all {
            XCTAssertTrue(spec.example.hasPrefix("add \(spec.keyword)"), "\(spec.keyword)'s example must be an add line for it")
            XCTAssertLessThanOrEqual(spec.keys.filter(\.positional).count, 1, "\(spec.keyword) has several positional keys")
        }
    }

    /// add line → model.json → load: the same kind, settings and weights; and
    /// the `add` line an export writes makes the same layer again.
    func testEveryLayerKindRoundTripsThroughModelJSONAndItsAddLine() throws {
        for spec in LayerRegistry.all {
            let (layer, shape) = try exampleLayer(spec)
            let m = try model(layer, shape)
            let dir = NSTemporaryDirectory() + "component-\(spec.keyword)-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try ModelStore.save(m, to: dir)
            let back = try ModelStore.load(from: dir)
            let l2 = try XCTUnwrap(back.layers.first)
            XCTAssertEqual(l2.spec.keyword, spec.keyword, spec.keyword)
            XCTAssertEqual(l2.settings.values, layer.settings.values, spec.keyword)
            XCTAssertEqual(l2.config.map(\.key), layer.config.map(\.key), spec.keyword)
            XCTAssertEqual(l2.config.map(\.value), layer.config.map(\.value), spec.keyword)
            for (a, b) in zip(m.parameters, back.parameters) { XCTAssertEqual(Array(a.value.buffer), Array(b.value.buffer), "\(spec.keyword) \(a.path)") }

            let line = ScriptExport.command(for: layer)
            let s = Session()
            s.run("model new")
            let r = s.run(line)
            XCTAssertFalse(r.failed, "\(line): \(r.output)")
            XCTAssertEqual(s.model?.layers.last?.settings.values, layer.settings.values, line)
        }
    }

    /// A Keras config of the layer (as Keras writes it: its class, its key
    /// names) imports as the same layer with the same weights.
    func testEveryLayerKindImportsFromAKerasConfig() throws {
        for spec in LayerRegistry.all {
            let (layer, shape) = try exampleLayer(spec)
            let m = try model(layer, shape)
            var config: [String: Any] = ["name": layer.name, "trainable": true]
            for k in spec.keys { if let v = layer.settings[k.name] { config[k.kerasName] = kerasJSON(v) } }
            let root: [String: Any] = [
                "class_name": "Sequential",
                "config": ["layers": [["class_name": "InputLayer", "config": ["batch_shape": [NSNull()] + shape, "name": "input"]],
                                      ["class_name": spec.kerasClass, "config": config]]],
            ]
            let weights = try SafeTensors.encode(m.parameters.map { ($0.path, $0.value) }, metadata: [:])
            let imported = try KerasImport.load(config: JSONSerialization.data(withJSONObject: root), weights: weights)
            let l2 = try XCTUnwrap(imported.layers.first, spec.keyword)
            XCTAssertEqual(l2.spec.keyword, spec.keyword, spec.keyword)
            XCTAssertEqual(l2.settings.values, layer.settings.values, spec.keyword)
            for (a, b) in zip(m.parameters, imported.parameters) { XCTAssertEqual(Array(a.value.buffer), Array(b.value.buffer), "\(spec.keyword) \(a.path)") }
        }
    }

    /// Keras writes activations and initializers by name, regularizers and
    /// constraints as class + config.
    func kerasJSON(_ v: LayerValue) -> Any {
        switch v {
        case .int(let i): return i
        case .float(let f): return Double(f)
        case .bool(let b): return b
        case .activation(let a): return a.baseName
        case .initializer(let i): return i.name
        case .regularizer(let r): return ["class_name": "L1L2", "config": ["l1": Double(r.l1), "l2": Double(r.l2)]]
        case .constraint(.maxNorm(let x, let axis)): return ["class_name": "MaxNorm", "config": ["max_value": Double(x), "axis": axis]]
        case .constraint(.unitNorm(let axis)): return ["class_name": "UnitNorm", "config": ["axis": axis]]
        case .constraint(.nonNeg): return ["class_name": "NonNeg", "config": [String: Any]()]
        }
    }

    /// Both exporters have an emitter for every kind: the Keras line names the
    /// spec's class, and PyTorch gives it a module.
    func testEveryLayerKindHasBothExportEmitters() throws {
        for spec in LayerRegistry.all {
            let (layer, shape) = try exampleLayer(spec)
            let keras = try KerasScript.layer(layer)
            XCTAssertTrue(keras.hasPrefix((spec.isKerasBuiltIn ? "layers." : "") + spec.kerasClass + "("), keras)
            XCTAssertTrue(keras.hasSuffix("name=\(layer.name.py))"), keras)
            var module = PyTorchScript.Module(layer: layer, ref: "model.x", comment: "", entries: [])
            XCTAssertNoThrow(try PyTorchScript.module(&module, input: shape, names: .init(main: layer.name, activation: nil)), spec.keyword)
            XCTAssertFalse(module.entries.isEmpty, "\(spec.keyword) has no PyTorch module")
        }
    }

    /// Dense's `activity_regularizer` through every reader and writer: the add
    /// line, model.json, a Keras config, and both exports (Keras passes it to
    /// the layer; PyTorch keeps the penalized module's output with a hook). A
    /// residual block refuses it: Keras would put it on the block's output.
    func testDenseActivityRegularizerThroughEveryReaderAndWriter() throws {
        let s = Session()
        s.run("model new")
        let r = s.run("add dense 4 activation=tanh activity_regularizer=l1_l2(l1=0.01, l2=0.02)")
        XCTAssertFalse(r.failed, r.output)
        let layer = try XCTUnwrap(s.model?.layers.last as? Dense)
        XCTAssertEqual(layer.activityRegularizer, Regularizer(l1: 0.01, l2: 0.02))
        XCTAssertEqual(layer.settings["activity_regularizer"], .regularizer(Regularizer(l1: 0.01, l2: 0.02)))
        let m = try model(layer, [6])
        let dir = NSTemporaryDirectory() + "component-activity-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ModelStore.save(m, to: dir)
        XCTAssertEqual((try ModelStore.load(from: dir).layers.first as? Dense)?.activityRegularizer, layer.activityRegularizer)
        XCTAssertTrue(ScriptExport.command(for: layer).contains("activity_regularizer=l1_l2(l1=0.01, l2=0.02)"), ScriptExport.command(for: layer))
        XCTAssertTrue(try KerasScript.layer(layer).contains("activity_regularizer=keras.regularizers.L1L2(l1=0.01, l2=0.02)"))
        var module = PyTorchScript.Module(layer: layer, ref: "model.x", comment: "", entries: [])
        try PyTorchScript.module(&module, input: [6], names: .init(main: layer.name, activation: "x_tanh"))
        XCTAssertEqual(module.activity?.ref, "model.x_tanh", "the penalty is on the activation's output")
        XCTAssertTrue(module.settings.contains { $0.hasPrefix("model.x_tanh.register_forward_hook(keep_output)") }, "\(module.settings)")
        let penalty = try XCTUnwrap(PyTorchScript.activityPenalty([module]))
        XCTAssertTrue(penalty.contains("(0.01 * model.x_tanh.last_output.abs().sum() + 0.02 * model.x_tanh.last_output.pow(2).sum()) / len(model.x_tanh.last_output)"), penalty)

        // A Keras config (as Keras 3's to_json writes it) imports it.
        let config: [String: Any] = ["class_name": "Sequential", "config": ["name": "sequential", "layers": [
            ["class_name": "InputLayer", "config": ["batch_shape": [NSNull(), 6]]],
            ["class_name": "Dense", "config": ["name": "dense", "units": 4, "activation": "tanh",
                                               "activity_regularizer": ["module": "keras.regularizers", "class_name": "L2",
                                                                        "config": ["l2": 0.01], "registered_name": NSNull()]]],
        ]]]
        let weights = try SafeTensors.encode(m.parameters.map { ($0.path, $0.value) }, metadata: [:])
        let imported = try KerasImport.load(config: JSONSerialization.data(withJSONObject: config), weights: weights)
        XCTAssertEqual((imported.layers.first as? Dense)?.activityRegularizer, Regularizer(l2: 0.01))

        let residual = s.run("add residual dense 4 activity_regularizer=l2(0.01)")
        XCTAssertTrue(residual.failed, residual.output)
        XCTAssertTrue(Residual.spec.refusedKerasKeys.contains("activity_regularizer"))
    }

    /// The backward pass of every kind agrees with finite differences.
    func testEveryLayerKindPassesAGradientCheck() throws {
        for spec in LayerRegistry.all {
            let (layer, shape) = try exampleLayer(spec)
            let x = Check.random([4, shape.reduce(1, *)], seed: 31, scale: 1)
            // Away from the kink at 0 of the ReLU family, where differences jump.
            for i in 0..<x.count where abs(x[i]) < 0.05 { x[i] = x[i] < 0 ? -0.3 : 0.3 }
            // Stochastic layers are checked with their random part off (inference).
            Check.gradients(of: layer, input: x, mode: layer.isStochastic ? .inference : .training)
        }
    }

    /// Every activation name: its text form reads back, an activation layer of it
    /// passes a gradient check, and both exporters write it (Keras' values are
    /// checked against recorded ones in KerasParityTests).
    func testEveryActivationRoundTripsExportsAndPassesAGradientCheck() throws {
        var variants = Activation.names.compactMap { Activation(name: $0) }
        variants += [.leakyRelu(alpha: 0.3), .elu(alpha: 0.5), .celu(alpha: 0.5), .gelu(approximate: true)]
        XCTAssertEqual(variants.count, Activation.names.count + 4, "every name makes an activation")
        for a in variants {
            XCTAssertEqual(try Activation(ComponentCall(parsing: a.name)), a, a.name)
            XCTAssertFalse(KerasScript.activation(a).isEmpty, a.name)
            if a != .linear { XCTAssertNotNil(PyTorchScript.activationModule(a), a.name) }
            let layer = ActivationLayer(a)
            var rng = RandomGenerator(seed: 2)
            try layer.build(inputShape: [5], rng: &rng)
            let x = Check.random([3, 5], seed: 41, scale: 2)
            // Away from the kinks (relu family at 0, relu6 at 6, hard_sigmoid at ±3).
            for i in 0..<x.count where abs(x[i]) < 0.05 { x[i] = x[i] < 0 ? -0.4 : 0.4 }
            Check.gradients(of: layer, input: x)
        }
    }
}
