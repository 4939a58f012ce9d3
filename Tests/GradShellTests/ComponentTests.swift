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
