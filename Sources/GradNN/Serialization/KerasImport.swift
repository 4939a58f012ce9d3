import Foundation
import GradTensor

/// Turns a Keras `Sequential` model into a gradlab one, so a model trained
/// elsewhere can be opened and looked inside (`summary`, `vars`, `gradients`,
/// `predict mc`). In Keras (3, or 2 with `tf.keras`):
///
/// ```python
/// from safetensors.numpy import save_file
/// open("model.json", "w").write(model.to_json())
/// save_file({v.path: v.numpy() for v in model.weights}, "model.safetensors")
/// ```
///
/// (Keras 2: `v.name` instead of `v.path`.) The config may also be the
/// `config.json` inside a `.keras` archive, whose `compile_config` then
/// compiles the model. Weights are matched by `layer/variable` (any prefix
/// such as `sequential/` and a `:0` suffix are ignored) and must be float32.
///
/// Supported layers: InputLayer, Flatten, Dense, BatchNormalization (last
/// axis), Dropout, AlphaDropout, Activation, ReLU (plain), Softmax (last
/// axis), LeakyReLU, ELU, PReLU (no shared axes), and gradlab's own exported
/// RReLU and Residual. Anything else — or an option gradlab lacks (bias
/// regularizers, noise_shape, renorm…) — is named in the error. Initializers
/// gradlab does not know are read as glorot_uniform: they only matter when
/// the weights are drawn afresh.
public enum KerasImport {
    /// Largest config accepted.
    public static let maximumConfigBytes = 50_000_000

    /// A gradlab model from a Keras `to_json()` text and a safetensors file's bytes.
    public static func load(config: Data, weights: Data) throws -> Sequential {
        try loadWithNotes(config: config, weights: weights).model
    }

    /// Reads both files (sizes checked first) and imports them.
    public static func load(configPath: String, weightsPath: String) throws -> (model: Sequential, notes: [String]) {
        func read(_ p: String, limit: Int) throws -> Data {
            guard let attrs = try? FileManager.default.attributesOfItem(atPath: p) else { throw ModelError("no such file: \(p)") }
            if let s = attrs[.size] as? Int, s > limit { throw ModelError("\(p) is larger than \(limit >> 20) MiB; refused") }
            guard let d = try? Data(contentsOf: URL(fileURLWithPath: p), options: .mappedIfSafe) else { throw ModelError("cannot read \(p)") }
            return d
        }
        return try loadWithNotes(config: read(configPath, limit: maximumConfigBytes), weights: read(weightsPath, limit: 1 << 32))
    }

    /// As `load`, plus notes on what was approximated (an uncompiled model
    /// because its optimizer is unknown, an unknown initializer…).
    public static func loadWithNotes(config: Data, weights: Data) throws -> (model: Sequential, notes: [String]) {
        guard config.count <= maximumConfigBytes else { throw ModelError("the Keras config is larger than \(maximumConfigBytes >> 20) MB; refused") }
        guard let root = (try? JSONSerialization.jsonObject(with: config)) as? [String: Any] else {
            throw ModelError("the Keras config is not a JSON object; write it with open(\"model.json\", \"w\").write(model.to_json())")
        }
        var notes: [String] = []
        let cls = root["class_name"] as? String ?? "?"
        guard cls == "Sequential" else {
            throw ModelError("only Keras Sequential models can be imported; this config is a \(cls) model")
        }
        guard let cfg = root["config"] as? [String: Any] else { throw ModelError("the Keras config has no \"config\" object") }
        let layerList: [[String: Any]]
        if let l = cfg["layers"] as? [[String: Any]] { layerList = l }
        else if let l = root["config"] as? [[String: Any]] { layerList = l }
        else { throw ModelError("the Keras config lists no layers") }
        guard layerList.count <= 10_000 else { throw ModelError("the Keras config has too many layers") }

        let m = Sequential()
        var rng = RandomGenerator(seed: 0)
        var inputShape: [Int]? = nil
        var frozen: [String] = []
        func shapeOf(_ any: Any?) -> [Int]? {
            guard let a = any as? [Any], a.count >= 2 else { return nil }
            let dims = a.dropFirst().map { ($0 as? Int) ?? -1 }
            return dims.allSatisfy { $0 > 0 && $0 < 1 << 24 } ? dims : nil
        }
        for (index, layer) in layerList.enumerated() {
            guard let lc = layer["class_name"] as? String else { throw ModelError("layer \(index) of the Keras config has no class_name") }
            let c = layer["config"] as? [String: Any] ?? [:]
            let name = (c["name"] as? String) ?? lc.lowercased()
            if inputShape == nil {
                inputShape = shapeOf(c["batch_shape"]) ?? shapeOf(c["batch_input_shape"])
                    ?? shapeOf((layer["build_config"] as? [String: Any])?["input_shape"])
            }
            guard let l = try makeLayer(lc, c, name: name, what: "layer \(index) '\(name)' (\(lc))", inputRank: inputShape?.count,
                                        notes: &notes) else { continue }
            if m.layers.contains(where: { $0.name == name }) { throw ModelError("the Keras config has two layers named \(name)") }
            try m.add(l, rng: &rng)
            if c["trainable"] as? Bool == false { frozen.append(name) }
        }
        guard !m.layers.isEmpty else { throw ModelError("the Keras model has no layers") }
        guard let shape = inputShape else {
            throw ModelError("the Keras config does not give the input shape; build the model first (keras.Input(shape=…)) and call to_json() again")
        }
        guard shape.reduce(1, *) < 1 << 28 else { throw ModelError("the Keras input shape \(shape) is too large") }
        do { try m.build(inputShape: shape, rng: &rng) } catch let e as ModelError {
            throw ModelError("the Keras model does not fit gradlab's layers: \(e.message)")
        }

        try loadWeights(weights, into: m)
        for l in m.layers where frozen.contains(l.name) { l.setFrozen(true) }
        m.frozenNames = Set(frozen)

        if let cc = root["compile_config"] as? [String: Any] {
            do { try compile(m, cc) } catch let e as ModelError { notes.append("not compiled: \(e.message); compile it with `compile`") }
        }
        return (m, notes)
    }

    /// One layer of a Keras config as gradlab's layer (nil for an InputLayer),
    /// through the layer's spec; `what` names it in errors.
    static func makeLayer(_ lc: String, _ c: [String: Any], name: String, what: String, inputRank: Int?,
                          notes: inout [String]) throws -> Layer? {
            func num(_ k: String, _ d: Float) throws -> Float {
                guard let v = c[k], !(v is NSNull) else { return d }
                guard let n = v as? NSNumber, n.floatValue.isFinite else { throw ModelError("\(what): \(k) is not a number") }
                return n.floatValue
            }
            func bool(_ k: String, _ d: Bool) -> Bool { (c[k] as? Bool) ?? d }
            func refuse(_ keys: [String]) throws {
                for k in keys {
                    if let v = c[k], !(v is NSNull) {
                        if let b = v as? Bool, b == false { continue }
                        throw ModelError("\(what) cannot be imported: gradlab has no \(k)")
                    }
                }
            }
            func lastAxis() throws {
                let ax = c["axis"]
                let ok: Bool
                if ax == nil || ax is NSNull { ok = true }
                else if let i = ax as? Int { ok = i == -1 }
                else if let a = ax as? [Int] { ok = a == [-1] }
                else { ok = false }
                guard ok || (c["axis"] as? Int).map({ $0 == (inputRank ?? 0) }) == true else {
                    throw ModelError("\(what) cannot be imported: gradlab normalizes over the last axis only (axis=-1)")
                }
            }
            let made: Layer?
            switch lc {
            case "InputLayer":
                made = nil
            case "ReLU":
                let maxValue = c["max_value"], slope = try num("negative_slope", 0), threshold = try num("threshold", 0)
                guard maxValue == nil || maxValue is NSNull, threshold == 0 else {
                    throw ModelError("\(what) cannot be imported: gradlab's relu has no max_value or threshold")
                }
                made = slope == 0 ? ActivationLayer(.relu, name: name) : ActivationLayer(.leakyRelu(alpha: slope), name: name, typeName: "LeakyReLU")
            case "Softmax":
                try lastAxis()
                made = ActivationLayer(.softmax, name: name)
            default:
                guard let spec = LayerRegistry.spec(kerasClass: lc) else {
                    let names = ["InputLayer", "ReLU", "Softmax"] + LayerRegistry.all.map(\.kerasClass)
                    throw ModelError("\(what) cannot be imported: gradlab supports " + names.joined(separator: ", "))
                }
                try refuse(spec.refusedKerasKeys)
                if lc == "BatchNormalization" { try lastAxis() }
                if lc == "PReLU", let s = c["shared_axes"], !(s is NSNull) {
                    throw ModelError("\(what) cannot be imported: gradlab's PReLU learns one alpha per unit (shared_axes must be None)")
                }
                var raw: [String: LayerValue] = [:]
                for k in spec.keys {
                    // Keras 2 called LeakyReLU's negative_slope alpha (the key's alias).
                    guard let v = c[k.kerasName] ?? k.aliases.lazy.compactMap({ c[$0] }).first, !(v is NSNull) else {
                        raw[k.name] = k.kerasDefault
                        continue
                    }
                    raw[k.name] = try kerasValue(v, for: k, notes: &notes, what)
                }
                do { made = try spec.make(raw, name: name) } catch let e as ComponentError { throw ModelError("\(what): \(e.message)") }
            }
        return made
    }

    /// Fills the model's variables from a safetensors file whose tensors are
    /// named `…/layer/variable`; every variable needs exactly one tensor of its
    /// shape, and every tensor a variable.
    static func loadWeights(_ weights: Data, into m: Sequential) throws {
        let (tensors, _) = try SafeTensors.decode(weights, name: "the weights file")
        var byPath: [String: [String]] = [:]
        for key in tensors.keys {
            var k = key
            if let colon = k.lastIndex(of: ":"), k[k.index(after: colon)...].allSatisfy(\.isNumber) { k = String(k[..<colon]) }
            let parts = k.split(separator: "/")
            guard parts.count >= 2 else { continue }
            byPath["\(parts[parts.count - 2])/\(parts[parts.count - 1])", default: []].append(key)
        }
        var used = Set<String>()
        for p in m.parameters {
            guard let keys = byPath[p.path], !keys.isEmpty else {
                let sample = tensors.keys.sorted().prefix(6).joined(separator: ", ")
                throw ModelError("the weights file has no tensor for \(p.path) (it holds \(tensors.count): \(sample)\(tensors.count > 6 ? ", …" : ""))")
            }
            guard keys.count == 1 else { throw ModelError("the weights file has several tensors for \(p.path): \(keys.sorted().joined(separator: ", "))") }
            let t = tensors[keys[0]]!
            var want = p.value.shape
            // PReLU alphas of a flattened input, and shapes equal up to their element count (e.g. (1, d) vs (d)).
            if t.shape != want && t.count == p.value.count && p.name == "alpha" { want = t.shape }
            guard t.shape == want else {
                throw ModelError("weights: \(keys[0]) has shape \(t.shape) but gradlab's \(p.path) needs \(p.value.shape)")
            }
            p.value.data.update(from: t.data, count: t.count)
            used.insert(keys[0])
        }
        let unused = tensors.keys.filter { !used.contains($0) }.sorted()
        if !unused.isEmpty {
            throw ModelError("the weights file holds tensors no layer uses: \(unused.prefix(6).joined(separator: ", "))\(unused.count > 6 ? ", …" : "") — is it from another model?")
        }
    }

    // MARK: pieces of a layer config

    /// One setting of a Keras config as the value of a gradlab layer key.
    static func kerasValue(_ v: Any, for k: LayerKey, notes: inout [String], _ what: String) throws -> LayerValue {
        switch k.kind {
        case .int:
            guard let i = v as? Int else { throw ModelError("\(what): \(k.kerasName) is not a whole number") }
            return .int(i)
        case .float:
            guard let n = v as? NSNumber, !(v is Bool), n.floatValue.isFinite else { throw ModelError("\(what): \(k.kerasName) is not a number") }
            return .float(n.floatValue)
        case .bool:
            guard let b = v as? Bool else { throw ModelError("\(what): \(k.kerasName) is not true or false") }
            return .bool(b)
        case .activation: return .activation(try activation(v, what))
        case .initializer:
            guard case .initializer(let d)? = k.defaultValue else { throw ModelError("\(what): \(k.kerasName) has no default") }
            return .initializer(initializer(v, default: d, notes: &notes, what))
        case .regularizer:
            guard let r = try regularizer(v, what, key: k.kerasName) else { throw ModelError("\(what): \(k.kerasName) is empty") }
            return .regularizer(r)
        case .constraint:
            guard let c = try constraint(v, what) else { throw ModelError("\(what): \(k.kerasName) is empty") }
            return .constraint(c)
        }
    }

    static func activation(_ any: Any?, _ what: String) throws -> Activation {
        var name = "linear"
        var cfg: [String: Any] = [:]
        if let s = any as? String { name = s }
        else if let d = any as? [String: Any] {
            if let s = d["config"] as? String { name = s }
            else if let n = d["class_name"] as? String { name = n; cfg = d["config"] as? [String: Any] ?? [:] }
        } else if any != nil && !(any is NSNull) { throw ModelError("\(what): activation is not a name") }
        let lower = name.lowercased()
        switch lower {
        case "leaky_relu": return .leakyRelu(alpha: (cfg["negative_slope"] as? NSNumber)?.floatValue ?? 0.2)
        case "elu": return .elu(alpha: (cfg["alpha"] as? NSNumber)?.floatValue ?? 1)
        case "celu": return .celu(alpha: (cfg["alpha"] as? NSNumber)?.floatValue ?? 1)
        case "gelu": return .gelu(approximate: cfg["approximate"] as? Bool ?? false)
        default:
            if let a = Activation(name: lower) { return a }
            throw ModelError("\(what) cannot be imported: activation '\(name)' is not one of gradlab's (\(Activation.names.joined(separator: ", ")))")
        }
    }

    static func initializer(_ any: Any?, default d: Initializer, notes: inout [String], _ what: String) -> Initializer {
        var cls: String
        var c: [String: Any] = [:]
        if let s = any as? String { cls = s }
        else if let dict = any as? [String: Any], let n = dict["class_name"] as? String { cls = n; c = dict["config"] as? [String: Any] ?? [:] }
        else { return d }
        func f(_ k: String, _ v: Float) -> Float { (c[k] as? NSNumber)?.floatValue ?? v }
        let snake = cls.replacingOccurrences(of: "([a-z])([A-Z])", with: "$1_$2", options: .regularExpression).lowercased()
        switch snake {
        case "constant": return .constant(f("value", 0))
        case "random_normal": return .randomNormal(mean: f("mean", 0), stddev: f("stddev", 0.05))
        case "random_uniform": return .randomUniform(minval: f("minval", -0.05), maxval: f("maxval", 0.05))
        case "truncated_normal": return .truncatedNormal(mean: f("mean", 0), stddev: f("stddev", 0.05))
        case "orthogonal": return .orthogonal(gain: f("gain", 1))
        case "identity": return .identity(gain: f("gain", 1))
        case "variance_scaling":
            let mode = Initializer.FanMode(rawValue: c["mode"] as? String ?? "fan_in") ?? .fanIn
            var dist = c["distribution"] as? String ?? "truncated_normal"
            if dist == "normal" { dist = "truncated_normal" }
            return .varianceScaling(scale: f("scale", 1), mode: mode, distribution: Initializer.Distribution(rawValue: dist) ?? .truncatedNormal, name: nil)
        default:
            if let i = Initializer.named(snake) { return i }
            notes.append("\(what): initializer \(cls) is read as \(d.name) (it only matters when the weights are drawn again)")
            return d
        }
    }

    static func regularizer(_ any: Any?, _ what: String, key: String = "kernel_regularizer") throws -> Regularizer? {
        guard let dict = any as? [String: Any] else {
            if any == nil || any is NSNull { return nil }
            if let s = any as? String, ["l1", "l2", "l1_l2"].contains(s) { return s == "l1" ? Regularizer(l1: 0.01) : s == "l2" ? Regularizer(l2: 0.01) : Regularizer(l1: 0.01, l2: 0.01) }
            throw ModelError("\(what): \(key) is not understood")
        }
        let cls = (dict["class_name"] as? String ?? "").lowercased()
        let c = dict["config"] as? [String: Any] ?? [:]
        let l1 = (c["l1"] as? NSNumber)?.floatValue ?? 0, l2 = (c["l2"] as? NSNumber)?.floatValue ?? 0
        switch cls {
        case "l1", "l2", "l1l2", "l1_l2":
            if l1 == 0 && l2 == 0 { return nil }
            return Regularizer(l1: l1, l2: l2)
        default: throw ModelError("\(what) cannot be imported: \(key) \(dict["class_name"] ?? "?") is not l1, l2 or l1_l2")
        }
    }

    static func constraint(_ any: Any?, _ what: String) throws -> Constraint? {
        guard let dict = any as? [String: Any] else {
            if any == nil || any is NSNull { return nil }
            throw ModelError("\(what): kernel_constraint is not understood")
        }
        let cls = dict["class_name"] as? String ?? "?"
        let c = dict["config"] as? [String: Any] ?? [:]
        switch cls {
        case "MaxNorm", "UnitNorm":
            let raw = c["axis"]
            let axis: Int
            switch (raw as? Int) ?? (raw as? [Int])?.first {
            case nil where raw == nil || raw is NSNull: axis = 0
            case 0?: axis = 0
            case 1?, (-1)?: axis = 1
            default: throw ModelError("\(what) cannot be imported: gradlab's \(cls) works on axis 0 or 1 of a kernel")
            }
            return cls == "MaxNorm" ? .maxNorm((c["max_value"] as? NSNumber)?.floatValue ?? 2, axis: axis) : .unitNorm(axis: axis)
        case "NonNeg": return .nonNeg
        default: throw ModelError("\(what) cannot be imported: kernel_constraint \(cls) is not MaxNorm, UnitNorm or NonNeg")
        }
    }

    // MARK: compile config (from a .keras archive's config.json)

    static func compile(_ m: Sequential, _ cc: [String: Any]) throws {
        var lossName: String?
        if let s = cc["loss"] as? String { lossName = s }
        else if let d = cc["loss"] as? [String: Any] {
            lossName = (d["config"] as? [String: Any])?["name"] as? String
                ?? (d["class_name"] as? String).map { $0.replacingOccurrences(of: "([a-z])([A-Z])", with: "$1_$2", options: .regularExpression).lowercased() }
            if let cfg = d["config"] as? [String: Any], cfg["from_logits"] as? Bool == true {
                throw ModelError("the loss uses from_logits=True; gradlab's losses take probabilities")
            }
        }
        guard let ln = lossName, let loss = Loss(name: ln) else { throw ModelError("loss \(lossName ?? "?") is not one of gradlab's") }
        guard let od = cc["optimizer"] as? [String: Any], let ocls = od["class_name"] as? String else { throw ModelError("no optimizer") }
        let o = od["config"] as? [String: Any] ?? [:]
        func g(_ k: String, _ d: Float) -> Float { (o[k] as? NSNumber)?.floatValue ?? d }
        let weightDecay = (o["weight_decay"] as? NSNumber)?.floatValue
        if let w = weightDecay, !(w.isFinite && w >= 0 && w < 1e6) { throw ModelError("optimizer weight_decay=\(w) is out of range") }
        if o["amsgrad"] as? Bool == true || o["centered"] as? Bool == true || o["use_ema"] as? Bool == true {
            throw ModelError("optimizer option amsgrad/centered/use_ema is not supported")
        }
        guard let ruleType = OptimizerRules.named(ocls) else {
            throw ModelError("optimizer \(ocls) is not one of gradlab's (\(OptimizerRules.names.joined(separator: ", ")))")
        }
        let rule = ruleType.reading { key in
            switch key.defaultValue {
            case .number(let d): return .number(g(key.name, d))
            case .flag: return (o[key.name] as? Bool).map(OptimizerValue.flag)
            }
        }
        var schedule: LearningRateSchedule? = nil
        var lr = rule.defaultLearningRate
        if let n = o["learning_rate"] as? NSNumber { lr = n.floatValue }
        else if let s = o["learning_rate"] as? [String: Any], let scls = s["class_name"] as? String {
            let sc = s["config"] as? [String: Any] ?? [:]
            schedule = try KerasImport.schedule(className: scls, config: sc)
            lr = schedule!.rate(at: 0)
        }
        func clip(_ k: String) -> Float? { (o[k] as? NSNumber)?.floatValue }
        m.loss = loss
        m.optimizer = Optimizer(rule: rule, learningRate: lr, schedule: schedule,
                                clipping: Clipping(clipValue: clip("clipvalue"), clipNorm: clip("clipnorm"), globalClipNorm: clip("global_clipnorm")))
        // Keras writes weight_decay: None when unset, so an AdamW config always carries its own.
        m.optimizer?.weightDecay = weightDecay
        m.metrics = ["accuracy"]
    }
}

extension KerasImport {
    /// Keras' schedule classes by gradlab's (and Keras' snake_case) names.
    static let scheduleNames = [
        "InverseTimeDecay": "inverse_time_decay", "ExponentialDecay": "exponential_decay",
        "PiecewiseConstantDecay": "piecewise_constant_decay", "CosineDecay": "cosine_decay",
        "CosineDecayRestarts": "cosine_decay_restarts", "PolynomialDecay": "polynomial_decay",
    ]

    /// A Keras schedule config read by the one schedule parser, so its keys,
    /// defaults and checks are the ones `compile … learning_rate=` uses.
    static func schedule(className: String, config: [String: Any]) throws -> LearningRateSchedule {
        guard let name = scheduleNames[className] else { throw ModelError("learning-rate schedule \(className) is not supported") }
        var keywords: [(key: String, value: ComponentCall.Argument, span: Range<Int>?)] = []
        func number(_ v: Any) -> ComponentCall.Argument? {
            guard let n = v as? NSNumber else { return nil }
            return .number(n.doubleValue, text: formatFloat(n.floatValue))
        }
        for (key, value) in config.sorted(by: { $0.key < $1.key }) where key != "name" && !(value is NSNull) {
            let argument: ComponentCall.Argument?
            if ["staircase", "cycle"].contains(key) {
                argument = .word((value as? Bool) == true ? "true" : "false")
            } else if let items = value as? [Any] {
                let numbers = items.compactMap(number)
                argument = numbers.count == items.count ? .list(numbers) : nil
            } else {
                argument = number(value)
            }
            guard let argument else { throw ModelError("\(className): \(key)=\(value) is not a number") }
            keywords.append((key, argument, nil))
        }
        do { return try LearningRateSchedule(ComponentCall(name: name, keywords: keywords)) } catch let e as ComponentError {
            throw ModelError("\(className): \(e.message)")
        }
    }
}
