import Foundation
import GradTensor

/// Saves and loads a model as a folder: `model.json` (architecture, compile
/// settings, history), `model.safetensors` (every variable, named by its
/// Keras path) and `optimizer.safetensors` (slots and step, for resuming).
/// Each file is written atomically.
public enum ModelStore {
    /// The files of a saved model folder; a folder holding anything else is never replaced.
    public static let fileNames: Set<String> = ["model.json", "model.safetensors", "optimizer.safetensors"]

    /// Saves the model as a folder, crash-safely: the folder is built complete
    /// under a temporary name and swapped in, so after a `kill -9` or a full
    /// disk the folder holds the old model or the new one, never a mix.
    public static func save(_ m: Sequential, to directory: String) throws {
        try write(encode(m), to: directory)
    }

    /// A model's three files, encoded in memory (so a caller can compare before writing).
    public struct Encoded {
        public var config: Data
        public var weights: Data
        public var optimizer: Data
        /// Changes whenever any of the three files would.
        public var fingerprint: UInt64 { fingerprintOf([config, weights, optimizer]) }
    }

    public static func encode(_ m: Sequential) throws -> Encoded {
        let config = try JSONSerialization.data(withJSONObject: architecture(m, includeState: true), options: [.prettyPrinted, .sortedKeys])
        let weights = try SafeTensors.encode(m.parameters.map { ($0.path, $0.value) }, metadata: ["format": "gradlab", "framework": "gradlab"])
        var slots: [(String, Tensor)] = []
        if let opt = m.optimizer {
            for p in m.parameters { for (i, s) in opt.slots(of: p).enumerated() { slots.append(("\(p.path)/slot\(i)", s)) } }
        }
        var meta = m.optimizer?.scalarState ?? [:]
        meta["iterations"] = String(m.optimizer?.iterations ?? 0)
        let optData = try SafeTensors.encode(slots, metadata: meta)
        return Encoded(config: config, weights: weights, optimizer: optData)
    }

    public static func write(_ e: Encoded, to directory: String) throws {
        do {
            try AtomicFile.replaceDirectory(directory, ownedNames: fileNames) { dir in
                try AtomicFile.writeFlushed(e.config, to: dir + "/model.json")
                try AtomicFile.writeFlushed(e.weights, to: dir + "/model.safetensors")
                try AtomicFile.writeFlushed(e.optimizer, to: dir + "/optimizer.safetensors")
            }
        } catch let err as AtomicFile.WriteError {
            throw ModelError("model not saved (\(directory) is unchanged): \(err.description)")
        }
    }

    /// A 64-bit digest of some byte strings, eight bytes a step (not cryptographic:
    /// it only tells whether a model changed since the last autosave).
    static func fingerprintOf(_ parts: [Data]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for part in parts {
            h = (h ^ UInt64(part.count)) &* 0x100_0000_01B3
            part.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                let words = raw.count / 8
                for i in 0..<words {
                    let w = raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                    h = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
                    h ^= h >> 29
                }
                for i in (words * 8)..<raw.count { h = (h ^ UInt64(raw[i])) &* 0x100_0000_01B3 }
            }
        }
        return h
    }

    public static func load(from directory: String) throws -> Sequential {
        AtomicFile.recoverDirectory(directory)
        let dir = URL(fileURLWithPath: directory)
        let cfgURL = dir.appendingPathComponent("model.json")
        guard let cfgData = try? Data(contentsOf: cfgURL) else { throw ModelError("no model at \(directory) (model.json is missing)") }
        guard cfgData.count < 10_000_000, let cfg = (try? JSONSerialization.jsonObject(with: cfgData)) as? [String: Any] else {
            throw ModelError("\(cfgURL.path) is not a gradlab model description (invalid JSON)")
        }
        let m = try fromArchitecture(cfg)
        guard let wData = try? Data(contentsOf: dir.appendingPathComponent("model.safetensors"), options: .mappedIfSafe) else {
            throw ModelError("\(directory)/model.safetensors is missing")
        }
        let (weights, _) = try SafeTensors.decode(wData, name: "model.safetensors")
        for p in m.parameters {
            guard let t = weights[p.path] else { throw ModelError("model.safetensors has no tensor '\(p.path)'") }
            guard t.shape == p.value.shape else { throw ModelError("model.safetensors: '\(p.path)' has shape \(t.shape), the architecture says \(p.value.shape)") }
            p.value.assign(t)
        }
        if let opt = m.optimizer, let oData = try? Data(contentsOf: dir.appendingPathComponent("optimizer.safetensors")) {
            let (slots, meta) = try SafeTensors.decode(oData, name: "optimizer.safetensors")
            for p in m.parameters {
                var list: [Tensor] = []
                while let s = slots["\(p.path)/slot\(list.count)"], s.shape == p.value.shape { list.append(s) }
                if !list.isEmpty { opt.setSlots(list, for: p) }
            }
            opt.setIterations(Int(meta["iterations"] ?? "0") ?? 0)
            opt.setScalarState(meta)
        }
        restoreState(cfg, into: m)
        return m
    }

    /// What `fit` left beyond the weights: the history of epochs and the
    /// learning-rate schedule, so a loaded or resumed model continues exactly.
    static func state(_ m: Sequential) -> [String: Any] {
        var d: [String: Any] = [:]
        // Numbers as Swift's shortest round-trip text: JSONSerialization's own
        // parser can be off by an ulp, and a resumed model must be the same bits.
        d["history"] = m.history.epochs.map { e -> [String: Any] in
            var h: [String: Any] = ["epoch": e.epoch, "loss": "\(e.loss)", "accuracy": "\(e.accuracy)",
                                    "learning_rate": "\(e.learningRate)", "steps": e.steps]
            if let v = e.valLoss { h["val_loss"] = "\(v)" }
            if let v = e.valAccuracy { h["val_accuracy"] = "\(v)" }
            return h
        }
        if let s = m.optimizer?.schedule, let data = try? JSONEncoder().encode(s) { d["schedule"] = String(decoding: data, as: UTF8.self) }
        return d
    }

    static func restoreState(_ cfg: [String: Any], into m: Sequential) {
        guard let st = cfg["state"] as? [String: Any] else { return }
        if let list = st["history"] as? [[String: Any]] {
            func number(_ h: [String: Any], _ k: String) -> Double? { (h[k] as? String).flatMap(Double.init) }
            m.history.epochs = list.compactMap { h in
                guard let epoch = h["epoch"] as? Int, let loss = number(h, "loss"), let acc = number(h, "accuracy") else { return nil }
                return EpochLogs(epoch: epoch, loss: loss, accuracy: acc, valLoss: number(h, "val_loss"), valAccuracy: number(h, "val_accuracy"),
                                 learningRate: number(h, "learning_rate") ?? 0, seconds: 0, steps: h["steps"] as? Int ?? 0)
            }
        }
        if let text = st["schedule"] as? String, let opt = m.optimizer,
           let s = try? JSONDecoder().decode(LearningRateSchedule.self, from: Data(text.utf8)) { opt.schedule = s }
    }

    /// The JSON-ready description of a model's architecture and compile settings.
    /// With `includeState`, also the history and schedule (see `state`).
    public static func architecture(_ m: Sequential, includeState: Bool = false) -> [String: Any] {
        var d: [String: Any] = ["format": "gradlab-model", "version": 1, "class_name": "Sequential"]
        if includeState { d["state"] = state(m) }
        if let s = m.inputShape { d["input_shape"] = s }
        d["layers"] = m.layers.map { l -> [String: Any] in
            var c: [String: Any] = [:]
            for (k, v) in l.config { c[k] = v }
            return ["class_name": l.typeName, "keyword": l.keyword, "name": l.name, "config": c, "trainable": !l.isFrozen]
        }
        if let loss = m.loss, let opt = m.optimizer {
            var o: [String: Any] = ["name": opt.rule.name, "learning_rate": Double(opt.learningRate), "description": opt.description]
            for (k, v) in opt.rule.arguments {
                switch v {
                case .number(let x): o[k] = Double(x)
                case .flag(let b): o[k] = b
                }
            }
            if let v = opt.clipping.clipNorm { o["clipnorm"] = Double(v) }
            if let v = opt.clipping.clipValue { o["clipvalue"] = Double(v) }
            if let v = opt.clipping.globalClipNorm { o["global_clipnorm"] = Double(v) }
            if let v = opt.weightDecay { o["weight_decay"] = Double(v) }
            d["compile"] = ["loss": loss.rawValue, "optimizer": o, "metrics": ["accuracy"]]
        }
        return d
    }

    /// Rebuilds a model (fresh weights) from its architecture description.
    public static func fromArchitecture(_ d: [String: Any]) throws -> Sequential {
        guard let layers = d["layers"] as? [[String: Any]] else { throw ModelError("model.json has no layers list") }
        guard layers.count <= 10_000 else { throw ModelError("model.json has too many layers") }
        let m = Sequential()
        var rng = RandomGenerator(seed: 0)
        var frozen = Set<String>()
        for l in layers {
            guard let cls = l["class_name"] as? String, let name = l["name"] as? String else { throw ModelError("a layer in model.json lacks class_name or name") }
            var c = l["config"] as? [String: String] ?? [:]
            guard let spec = LayerRegistry.spec(kerasClass: cls) else { throw ModelError("model.json: layer type '\(cls)' is not supported") }
            if ["LeakyReLU", "ELU"].contains(cls), c["alpha"] == nil, c["negative_slope"] == nil, let text = c["activation"] {
                // Written before these layers had their own spec: the slope was in the activation's name.
                switch try? Activation(ComponentCall(parsing: text)) {
                case .leakyRelu(let a)?: c["negative_slope"] = formatFloat(a)
                case .elu(let a)?: c["alpha"] = formatFloat(a)
                default: break
                }
            }
            let layer: Layer
            do {
                layer = try spec.make(spec.values(fromConfig: c), name: name)
            } catch let e as ComponentError {
                throw ModelError("layer \(name) in model.json: \(e.message)")
            }
            try m.add(layer, rng: &rng)
            if (l["trainable"] as? Bool) == false { frozen.insert(name) }
        }
        if let raw = d["input_shape"] {
            guard let shape = raw as? [Int], !shape.isEmpty, shape.count <= 4, shape.allSatisfy({ $0 > 0 && $0 < 1 << 24 }),
                  shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) < 1 << 28 else {
                throw ModelError("model.json: input_shape must be 1 to 4 positive sizes")
            }
            // Refuse lying sizes before allocating: weights, gradients and slots.
            var s = shape, bytes = 0.0
            for l in m.layers {
                bytes += Double(l.estimatedBytes(inputShape: s))
                s = try l.outputShape(for: s)
            }
            guard bytes <= 4 * Double(1 << 30) else { throw ModelError("model.json describes a model needing \(Int(bytes / Double(1 << 20))) MiB; the limit is 4096 MiB") }
            try m.build(inputShape: shape, rng: &rng)
        }
        m.frozenNames = frozen
        for l in m.layers where frozen.contains(l.name) { l.setFrozen(true) }
        if let comp = d["compile"] as? [String: Any], let lossName = comp["loss"] as? String, let loss = Loss(name: lossName),
           let o = comp["optimizer"] as? [String: Any], let on = o["name"] as? String {
            func g(_ k: String, _ d: Float) -> Float {
                guard let v = o[k] as? Double, v.isFinite, v >= 0, v < 1e6 else { return d }
                return Float(v)
            }
            for k in ["beta_1", "beta_2", "rho", "momentum"] {
                if let v = o[k] as? Double, !(0...1).contains(v) { throw ModelError("model.json: optimizer \(k)=\(v) must be between 0 and 1") }
            }
            for k in ["learning_rate", "clipnorm", "clipvalue", "global_clipnorm", "epsilon", "weight_decay"] {
                if let v = o[k] as? Double, !(v.isFinite && v >= 0 && v < 1e6) { throw ModelError("model.json: optimizer \(k)=\(v) is out of range") }
            }
            guard let ruleType = OptimizerRules.all.first(where: { $0.name == on }) else {
                throw ModelError("model.json: optimizer '\(on)' is not supported")
            }
            let rule = ruleType.reading { key in
                switch key.defaultValue {
                case .number(let d): return .number(g(key.name, d))
                case .flag: return (o[key.name] as? Bool).map(OptimizerValue.flag)
                }
            }
            let clip = Clipping(clipValue: (o["clipvalue"] as? Double).map(Float.init).flatMap { $0 > 0 ? $0 : nil },
                                clipNorm: (o["clipnorm"] as? Double).map(Float.init).flatMap { $0 > 0 ? $0 : nil },
                                globalClipNorm: (o["global_clipnorm"] as? Double).map(Float.init).flatMap { $0 > 0 ? $0 : nil })
            m.loss = loss
            // A model saved before weight decay existed has none (nil here would give AdamW its default).
            m.optimizer = Optimizer(rule: rule, learningRate: g("learning_rate", rule.defaultLearningRate), clipping: clip,
                                    weightDecay: (o["weight_decay"] as? Double).map(Float.init) ?? 0)
            if m.optimizer?.weightDecay == 0, o["weight_decay"] == nil { m.optimizer?.weightDecay = nil }
            m.metrics = ["accuracy"]
        }
        return m
    }

    /// A structurally identical model with fresh weights drawn from `rng`.
    public static func freshCopy(of m: Sequential, rng: inout RandomGenerator) throws -> Sequential {
        var arch = architecture(m)
        arch["input_shape"] = nil
        let c = try fromArchitecture(arch)
        if let s = m.inputShape { try c.build(inputShape: s, rng: &rng) }
        for l in c.layers where c.frozenNames.contains(l.name) { l.setFrozen(true) }
        return c
    }
}

extension ModelStore {
    /// An independent copy with the same weights (and compile settings, fresh optimizer state).
    public static func clone(_ m: Sequential) throws -> Sequential {
        let c = try fromArchitecture(architecture(m))
        if c.inputShape == nil, let s = m.inputShape { var r = RandomGenerator(seed: 0); try c.build(inputShape: s, rng: &r) }
        for (a, b) in zip(m.parameters, c.parameters) { b.value.assign(a.value) }
        if let o = m.optimizer {
            c.optimizer = Optimizer(rule: o.rule, learningRate: o.learningRate, schedule: o.schedule, clipping: o.clipping)
            c.optimizer?.weightDecay = o.weightDecay
        }
        c.loss = m.loss
        return c
    }
}
