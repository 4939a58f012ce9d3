import Foundation
import GradNN

/// `export pytorch PATH.py`: the session's model as a PyTorch script that
/// gives the same predictions: an `nn.Sequential` of named modules (the
/// gradlab layer names), Keras' initializers, BatchNorm1d with momentum =
/// 1 − Keras' momentum and the same eps (updated with the biased batch
/// variance, as Keras), optimizers with Keras' formulas and epsilon
/// placement, and the trained weights loaded with `safetensors.torch`
/// (Keras kernels [in, out] transposed into `nn.Linear`'s [out, in]).
enum PyTorchScript {
    static func render(_ e: ScriptExport) throws -> String {
        try e.validate(for: "PyTorch")
        let m = e.model
        let p = ScriptExport.py
        let names = moduleNames(m)
        let opt = e.optimizer
        var out = e.header(framework: "PyTorch", needs: "pip install torch safetensors numpy",
                           saveExample: "model.pt", saveFormat: "PyTorch's format (a state_dict)",
                           scaling: ["On a GPU: move the model and each batch with .to(\"cuda\"); across GPUs or hosts wrap",
                                     "the model in torch.nn.parallel.DistributedDataParallel (torchrun)."])
        out += [
            "import argparse",
            "import copy",
            "import gzip",
            "import math",
            "import os",
            "from collections import OrderedDict",
            "",
            "import numpy as np",
            "import safetensors.numpy",
            "import torch",
            "from safetensors.torch import load_file",
            "from torch import nn",
            "",
            "HERE = os.path.dirname(os.path.abspath(__file__))",
            "WEIGHTS = os.path.join(HERE, \(ScriptExport.str(e.weightsFile)))",
            "SEED = \(e.seed)",
            "EPSILON = 1e-7  # Keras' backend epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON]",
            "",
            "",
        ]
        out += e.dataSection()
        out += ["", "",
                "def prepared_data():",
                "    \"\"\"The splits as tensors: float32 features, \(e.classCount > 0 ? "int64 class indices" : "float32 targets").\"\"\"",
                "    return {k: (torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), torch.from_numpy(np.ascontiguousarray(y)))",
                "            for k, (x, y) in load_data().items()}"]

        // Custom modules.
        if m.layers.contains(where: { $0 is BatchNormalization }) {
            out += ["", "",
                "class KerasBatchNorm1d(nn.BatchNorm1d):",
                "    \"\"\"nn.BatchNorm1d updated as Keras' BatchNormalization: momentum here is 1 - Keras'",
                "    momentum (0.99 -> 0.01) and the moving variance takes the batch's biased variance",
                "    (nn.BatchNorm1d would take the unbiased one). Inference is plain BatchNorm1d.\"\"\"",
                "",
                "    def forward(self, x):",
                "        if not self.training:",
                "            return super().forward(x)",
                "        mean = x.mean(dim=0)",
                "        var = x.var(dim=0, unbiased=False)",
                "        with torch.no_grad():",
                "            self.running_mean.mul_(1 - self.momentum).add_(mean, alpha=self.momentum)",
                "            self.running_var.mul_(1 - self.momentum).add_(var, alpha=self.momentum)",
                "        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias"]
        }
        if m.layers.contains(where: { $0 is Residual }) {
            out += ["", "",
                "class Residual(nn.Module):",
                "    \"\"\"gradlab's residual block y = x + activation(dense(x)) (He et al. 2016).\"\"\"",
                "",
                "    def __init__(self, units, activation=None, bias=True):",
                "        super().__init__()",
                "        self.dense = nn.Linear(units, units, bias=bias)",
                "        self.activation = activation if activation is not None else nn.Identity()",
                "",
                "    def forward(self, x):",
                "        return x + self.activation(self.dense(x))"]
        }
        if m.layers.contains(where: { ($0 as? PReLU).map { $0.outputShape.count > 1 } ?? false }) {
            out += ["", "",
                "class ElementwisePReLU(nn.Module):",
                "    \"\"\"Keras' PReLU on a non-flat input: one learned alpha per element, starting at 0.\"\"\"",
                "",
                "    def __init__(self, shape):",
                "        super().__init__()",
                "        self.weight = nn.Parameter(torch.zeros(shape))",
                "",
                "    def forward(self, x):",
                "        return torch.where(x > 0, x, self.weight * x)"]
        }

        // Model.
        out += ["", "",
                "# --- model " + String(repeating: "-", count: 67),
                "def build_model():",
                "    # gradlab: \(e.modelCommand)  (input shape \(ScriptExport.tuple(m.inputShape ?? e.sampleShape)))",
                "    model = nn.Sequential(OrderedDict(["]
        var input = m.inputShape ?? e.sampleShape
        for (i, l) in m.layers.enumerated() {
            out.append("        # gradlab: \(ScriptExport.command(for: l))" + bnNote(l))
            for (name, code) in try modules(l, input: input, name: names[i]) {
                out.append("        (\(ScriptExport.str(name)), \(code)),")
            }
            input = l.outputShape
        }
        out.append("    ]))")
        for (i, l) in m.layers.enumerated() {
            if let b = l as? BatchNormalization {
                let r = ref(names[i].main)
                if !b.center { out.append("    \(r).bias.requires_grad_(False)  # center=false: beta stays 0") }
                if !b.scale { out.append("    \(r).weight.requires_grad_(False)  # scale=false: gamma stays 1") }
            }
        }
        for (i, l) in m.layers.enumerated() where l.isFrozen {
            out.append("    # gradlab: set trainable \(i) false")
            out.append("    \(ref(names[i].main)).requires_grad_(False)")
        }
        out.append("    return model")
        let frozenBN = m.layers.enumerated().filter { $0.element is BatchNormalization && $0.element.isFrozen }.map { ref(names[$0.offset].main) }
        out += ["", "",
                "def train_mode(model):",
                "    model.train()"]
        for r in frozenBN { out.append("    \(r).eval()  # frozen: inference mode, as in Keras 3 and gradlab") }

        // Initializers.
        out += ["", "",
                "def keras_initializer_(tensor, fan_in, fan_out, kind, **kw):",
                "    \"\"\"Fills `tensor` as the Keras initializer `kind` does (fans of the Keras shape).\"\"\"",
                "    if kind == \"zeros\":",
                "        return tensor.zero_()",
                "    if kind == \"ones\":",
                "        return tensor.fill_(1.0)",
                "    if kind == \"constant\":",
                "        return tensor.fill_(kw[\"value\"])",
                "    if kind == \"random_normal\":",
                "        return tensor.normal_(kw[\"mean\"], kw[\"stddev\"])",
                "    if kind == \"random_uniform\":",
                "        return tensor.uniform_(kw[\"minval\"], kw[\"maxval\"])",
                "    if kind == \"truncated_normal\":",
                "        mean, std = kw[\"mean\"], kw[\"stddev\"]",
                "        return nn.init.trunc_normal_(tensor, mean, std, mean - 2 * std, mean + 2 * std)",
                "    # variance_scaling: glorot = (1, fan_avg), he = (2, fan_in), lecun = (1, fan_in)",
                "    n = {\"fan_in\": fan_in, \"fan_out\": fan_out, \"fan_avg\": (fan_in + fan_out) / 2}[kw[\"mode\"]]",
                "    s = kw[\"scale\"] / max(1.0, n)",
                "    if kw[\"distribution\"] == \"truncated_normal\":",
                "        std = math.sqrt(s) / 0.87962566103423978",
                "        return nn.init.trunc_normal_(tensor, 0.0, std, -2 * std, 2 * std)",
                "    if kw[\"distribution\"] == \"untruncated_normal\":",
                "        return tensor.normal_(0.0, math.sqrt(s))",
                "    limit = math.sqrt(3 * s)",
                "    return tensor.uniform_(-limit, limit)",
                "",
                "",
                "@torch.no_grad()",
                "def initialize(model):",
                "    \"\"\"Keras' initializers (PyTorch's defaults differ): fans from the Keras kernel [in, out].\"\"\""]
        var anyInit = false
        for (i, l) in m.layers.enumerated() {
            let dense: Dense? = (l as? Dense) ?? (l as? Residual)?.inner
            guard let d = dense else { continue }
            let r = ref(names[i].main) + (l is Residual ? ".dense" : "")
            let fin = d.kernel.value.shape[0], fout = d.units
            out.append("    keras_initializer_(\(r).weight, \(fin), \(fout), \(initCall(d.kernelInitializer)))  # \(d.kernelInitializer.name)")
            if d.useBias { out.append("    keras_initializer_(\(r).bias, \(fout), \(fout), \(initCall(d.biasInitializer)))") }
            anyInit = true
        }
        if !anyInit { out.append("    pass") }

        // Weights.
        out += ["", "",
                "# --- trained weights " + String(repeating: "-", count: 57),
                "@torch.no_grad()",
                "def load_weights(model, path=WEIGHTS):",
                "    \"\"\"gradlab's trained variables (Keras kernels [in, out] -> nn.Linear weights [out, in]).\"\"\"",
                "    w = load_file(path)"]
        for (i, l) in m.layers.enumerated() {
            let r = ref(names[i].main)
            switch l {
            case let d as Dense:
                out.append("    \(r).weight.copy_(w.pop(\(ScriptExport.str(d.name + "/kernel"))).T)")
                if d.useBias { out.append("    \(r).bias.copy_(w.pop(\(ScriptExport.str(d.name + "/bias"))))") }
            case let res as Residual:
                out.append("    \(r).dense.weight.copy_(w.pop(\(ScriptExport.str(res.inner.name + "/kernel"))).T)")
                if res.inner.useBias { out.append("    \(r).dense.bias.copy_(w.pop(\(ScriptExport.str(res.inner.name + "/bias"))))") }
            case let b as BatchNormalization:
                if b.scale { out.append("    \(r).weight.copy_(w.pop(\(ScriptExport.str(b.name + "/gamma"))))") }
                if b.center { out.append("    \(r).bias.copy_(w.pop(\(ScriptExport.str(b.name + "/beta"))))") }
                out.append("    \(r).running_mean.copy_(w.pop(\(ScriptExport.str(b.name + "/moving_mean"))))")
                out.append("    \(r).running_var.copy_(w.pop(\(ScriptExport.str(b.name + "/moving_variance"))))")
            case let pr as PReLU:
                out.append("    \(r).weight.copy_(w.pop(\(ScriptExport.str(pr.name + "/alpha"))).reshape(\(r).weight.shape))")
            default: break
            }
        }
        out += ["    if w:",
                "        raise ValueError(f\"{path} holds tensors no layer uses: {sorted(w)}\")"]

        // Compile: loss, accuracy, regularizers, constraints, clipping, schedule, optimizer.
        out += ["", "",
                "# --- compile " + String(repeating: "-", count: 65),
                "# gradlab: \(e.compileCommand)"]
        out += lossCode(e)
        out += ["", ""]
        out += penaltyCode(e, names: names)
        out += ["", ""]
        out += constraintCode(e, names: names)
        out += ["", ""]
        out += clipCode(opt.clipping)
        out += ["", ""]
        out += scheduleCode(opt)
        out += ["", ""]
        out += optimizerCode(opt)

        // Evaluate and fit.
        out += ["", "",
                "@torch.no_grad()",
                "def predict(model, x, batch_size=500):",
                "    model.eval()",
                "    return torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])",
                "",
                "",
                "@torch.no_grad()",
                "def evaluate(model, x, y, batch_size=500):",
                "    \"\"\"Loss (with the kernel penalties) and accuracy in inference mode, as Keras' evaluate.\"\"\"",
                "    model.eval()",
                "    total, correct = 0.0, 0",
                "    for i in range(0, len(x), batch_size):",
                "        output, target = model(x[i:i + batch_size]), y[i:i + batch_size]",
                "        total += loss_fn(output, target).item() * len(target)",
                "        correct += correct_count(output, target)",
                "    return total / len(x) + penalty(model).item(), correct / len(x)"]
        let callbackKinds = Set(e.fits.flatMap { $0.callbacks }.map { c -> String in
            switch c { case .earlyStopping: return "es"; case .reduceLROnPlateau: return "rlr"; case .modelCheckpoint: return "ckpt" }
        })
        if !callbackKinds.isEmpty { out += callbackCode(callbackKinds) }
        out += ["", "",
                "# --- training " + String(repeating: "-", count: 64),
                "def fit(model, optimizer, data, epochs=1, batch_size=32, shuffle=True, callbacks=()):",
                "    \"\"\"Keras' fit: shuffled mini-batches (the last one may be smaller), then validation.\"\"\"",
                "    x, y = data[\"train\"]",
                "    n = len(x)",
                "    for cb in callbacks:",
                "        cb.begin(model)",
                "    for epoch in range(1, epochs + 1):",
                "        train_mode(model)",
                "        order = torch.randperm(n) if shuffle else torch.arange(n)",
                "        total, correct = 0.0, 0",
                "        for start in range(0, n, batch_size):",
                "            idx = order[start:start + batch_size]",
                "            output = model(x[idx])",
                "            loss = loss_fn(output, y[idx]) + penalty(model)",
                "            optimizer.zero_grad()",
                "            loss.backward()",
                "            optimizer.step()",
                "            apply_constraints(model)",
                "            total += loss.item() * len(idx)",
                "            correct += correct_count(output.detach(), y[idx])",
                "        logs = {\"loss\": total / n, \"accuracy\": correct / n}",
                "        if \"validation\" in data:",
                "            logs[\"val_loss\"], logs[\"val_accuracy\"] = evaluate(model, *data[\"validation\"])",
                "        print(f\"Epoch {epoch}/{epochs} - \" + \" - \".join(f\"{k}: {v:.4f}\" for k, v in logs.items()))",
                "        for cb in callbacks:",
                "            cb.epoch_end(model, optimizer, logs)",
                "        if any(cb.stop for cb in callbacks):",
                "            break",
                "    for cb in callbacks:",
                "        cb.end(model)",
                "",
                "",
                "def train(model, data):",
                "    optimizer = make_optimizer(model)"]
        for f in e.fits {
            out.append(e.fitComment(f))
            var cbs: [String] = []
            for c in f.callbacks {
                switch c {
                case .earlyStopping(let mon, let pat, let restore):
                    cbs.append("EarlyStopping(monitor=\(ScriptExport.str(mon)), patience=\(pat), restore_best_weights=\(ScriptExport.pyBool(restore)))")
                case .reduceLROnPlateau(let mon, let factor, let pat, let minLR):
                    cbs.append("ReduceLROnPlateau(monitor=\(ScriptExport.str(mon)), factor=\(p(factor)), patience=\(pat), min_lr=\(p(minLR)))")
                case .modelCheckpoint(let path, let mon, let best):
                    cbs.append("ModelCheckpoint(\(ScriptExport.str(path + ".pt")), monitor=\(ScriptExport.str(mon)), save_best_only=\(ScriptExport.pyBool(best)))")
                }
            }
            var call = "    fit(model, optimizer, data, epochs=\(f.epochs), batch_size=\(f.batchSize), shuffle=\(ScriptExport.pyBool(f.shuffle))"
            if !cbs.isEmpty { call += ",\n        callbacks=[" + cbs.joined(separator: ",\n                   ") + "]" }
            out.append(call + ")")
        }

        out += ["", "",
                "def main():"]
        out += e.argumentParser(save: "after evaluating, save the model's state_dict (FILE.pt: build_model() then model.load_state_dict(torch.load(FILE)))")
        out += [
            "    data = prepared_data()",
            "    # gradlab: seed \(e.seed)  (PyTorch draws its own random numbers: --train starts from",
            "    # other initial weights than gradlab did, with the same initializers)",
            "    torch.manual_seed(SEED)",
            "    model = build_model()",
            "    if args.train:",
            "        if args.init:",
            "            load_weights(model, args.init)",
            "        else:",
            "            initialize(model)",
            "        train(model, data)",
            "    else:",
            "        load_weights(model, args.weights)",
            "    # gradlab: evaluate \(e.evaluationSplit)",
            "    x, y = data[args.split]",
            "    loss, accuracy = evaluate(model, x, y)",
            e.evaluateLine(loss: "loss", accuracy: "accuracy"),
            "    if args.predictions:",
            "        np.save(args.predictions, predict(model, x).numpy().astype(np.float32))",
            "    if args.save:",
            "        torch.save(model.state_dict(), args.save)",
            "",
            "",
            "if __name__ == \"__main__\":",
            "    main()",
            "",
        ]
        return out.joined(separator: "\n")
    }

    // MARK: modules

    /// The module name of each layer, and of its activation module when it has one.
    struct Names { var main: String; var activation: String? }

    static func moduleNames(_ m: Sequential) -> [Names] {
        var taken = Set(m.layers.map(\.name))
        return m.layers.map { l in
            guard let d = l as? Dense, d.activation != .linear else { return Names(main: l.name, activation: nil) }
            var a = "\(l.name)_\(d.activation.baseName)"
            while taken.contains(a) { a += "_" }
            taken.insert(a)
            return Names(main: l.name, activation: a)
        }
    }

    static let keywords: Set<String> = ["False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
                                        "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
                                        "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield"]

    /// `model.dense`, or `model.get_submodule("…")` for a name Python cannot spell.
    static func ref(_ name: String) -> String {
        let ok = name.first.map { $0.isLetter || $0 == "_" } == true && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        return ok && !keywords.contains(name) ? "model.\(name)" : "model.get_submodule(\(ScriptExport.str(name)))"
    }

    static func activationModule(_ a: Activation) -> String? {
        switch a {
        case .linear: return nil
        case .sigmoid: return "nn.Sigmoid()"
        case .tanh: return "nn.Tanh()"
        case .relu: return "nn.ReLU()"
        case .leakyRelu(let al): return "nn.LeakyReLU(negative_slope=\(ScriptExport.py(al)))"
        case .elu(let al): return "nn.ELU(alpha=\(ScriptExport.py(al)))"
        case .selu: return "nn.SELU()"
        case .softmax: return "nn.Softmax(dim=-1)"
        }
    }

    static func bnNote(_ l: Layer) -> String {
        guard let b = l as? BatchNormalization else { return "" }
        return "  (Keras momentum \(ScriptExport.py(b.momentum)) -> PyTorch momentum 1 - \(ScriptExport.py(b.momentum)))"
    }

    static func modules(_ l: Layer, input: [Int], name n: Names) throws -> [(String, String)] {
        let p = ScriptExport.py
        let width = input.reduce(1, *)
        switch l {
        case let d as Dense:
            var r = [(n.main, "nn.Linear(\(width), \(d.units)\(d.useBias ? "" : ", bias=False"))")]
            if let a = activationModule(d.activation), let an = n.activation { r.append((an, a)) }
            return r
        case let res as Residual:
            let a = activationModule(res.inner.activation).map { ", activation=\($0)" } ?? ""
            return [(n.main, "Residual(\(res.inner.units)\(a)\(res.inner.useBias ? "" : ", bias=False"))")]
        case is Flatten: return [(n.main, "nn.Flatten()")]
        case let b as BatchNormalization:
            return [(n.main, "KerasBatchNorm1d(\(width), momentum=1 - \(p(b.momentum)), eps=\(p(b.epsilon)))")]
        case let d as Dropout: return [(n.main, "nn.Dropout(\(p(d.rate)))")]
        case let d as AlphaDropout: return [(n.main, "nn.AlphaDropout(\(p(d.rate)))")]
        case let a as ActivationLayer: return [(n.main, activationModule(a.activation) ?? "nn.Identity()")]
        case is PReLU:
            if input.count == 1 { return [(n.main, "nn.PReLU(num_parameters=\(width), init=0.0)")] }
            return [(n.main, "ElementwisePReLU(\(ScriptExport.tuple(input)))")]
        case let r as RReLU: return [(n.main, "nn.RReLU(lower=\(p(r.lower)), upper=\(p(r.upper)))")]
        default: throw ShellError("cannot export layer \(l.name) (\(l.typeName)) to PyTorch")
        }
    }

    static func initCall(_ i: Initializer) -> String {
        let p = ScriptExport.py
        switch i {
        case .zeros: return "\"zeros\""
        case .ones: return "\"ones\""
        case .constant(let v): return "\"constant\", value=\(p(v))"
        case .randomNormal(let m, let s): return "\"random_normal\", mean=\(p(m)), stddev=\(p(s))"
        case .randomUniform(let a, let b): return "\"random_uniform\", minval=\(p(a)), maxval=\(p(b))"
        case .truncatedNormal(let m, let s): return "\"truncated_normal\", mean=\(p(m)), stddev=\(p(s))"
        case .varianceScaling(let scale, let mode, let dist, _):
            return "\"variance_scaling\", scale=\(p(scale)), mode=\"\(mode.rawValue)\", distribution=\"\(dist.rawValue)\""
        }
    }

    // MARK: compile pieces

    static func lossCode(_ e: ScriptExport) -> [String] {
        var l: [String] = []
        let c = e.outputUnits
        switch e.loss {
        case .sparseCategoricalCrossentropy, .categoricalCrossentropy:
            l += ["def loss_fn(output, target):",
                  "    \"\"\"\(e.loss.rawValue) on probabilities, as Keras computes it: each row",
                  "    normalized to sum 1, the target's probability clipped to [EPSILON, 1 - EPSILON].\"\"\"",
                  "    p = output / output.sum(dim=1, keepdim=True)",
                  "    p = p.gather(1, target.view(-1, 1)).clamp(EPSILON, 1 - EPSILON)",
                  "    return -torch.log(p).mean()"]
        case .binaryCrossentropy:
            l += ["def loss_fn(output, target):",
                  "    \"\"\"binary_crossentropy on probabilities clipped to [EPSILON, 1 - EPSILON], averaged over units then samples.\"\"\"",
                  c == 1 ? "    t = target.float().view(-1, 1)" : "    t = nn.functional.one_hot(target, \(c)).float()",
                  "    p = output.clamp(EPSILON, 1 - EPSILON)",
                  "    return -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()"]
        case .meanSquaredError:
            l += ["def loss_fn(output, target):",
                  "    \"\"\"mean_squared_error, averaged over units then samples\(c == 1 ? "" : " (targets one-hot, as gradlab)").\"\"\"",
                  c == 1 ? "    t = target.float().view(-1, 1)" : "    t = nn.functional.one_hot(target, \(c)).float()",
                  "    return ((output - t) ** 2).mean()"]
        }
        l += ["", "",
              "def correct_count(output, target):",
              "    \"\"\"gradlab's (and Keras') accuracy: \(c == 1 ? "output > 0.5 against the target" : "the arg-max class against the target").\"\"\"",
              c == 1 ? "    return int(((output[:, 0] > 0.5).long() == target.long()).sum())" : "    return int((output.argmax(dim=1) == target).sum())"]
        return l
    }

    static func trainableDense(_ e: ScriptExport, names: [Names]) -> [(ref: String, dense: Dense)] {
        e.model.layers.enumerated().compactMap { i, l in
            guard !l.isFrozen else { return nil }
            if let d = l as? Dense { return (ref(names[i].main), d) }
            if let r = l as? Residual { return (ref(names[i].main) + ".dense", r.inner) }
            return nil
        }
    }

    static func penaltyCode(_ e: ScriptExport, names: [Names]) -> [String] {
        var terms: [String] = []
        for (r, d) in trainableDense(e, names: names) {
            guard let reg = d.kernel.regularizer else { continue }
            if reg.l1 != 0 { terms.append("\(ScriptExport.py(reg.l1)) * \(r).weight.abs().sum()") }
            if reg.l2 != 0 { terms.append("\(ScriptExport.py(reg.l2)) * \(r).weight.pow(2).sum()") }
        }
        return ["def penalty(model):",
                "    \"\"\"Kernel regularizers added to the loss: l1·Σ|w| + l2·Σw² (Keras' l2 has no ½).\"\"\"",
                terms.isEmpty ? "    return torch.zeros(())" : "    return " + terms.joined(separator: " + ")]
    }

    static func constraintCode(_ e: ScriptExport, names: [Names]) -> [String] {
        var l = ["@torch.no_grad()",
                 "def apply_constraints(model):",
                 "    \"\"\"Kernel constraints, after each step as in Keras.\"\"\""]
        var any = false
        for (r, d) in trainableDense(e, names: names) {
            guard let c = d.kernel.constraint else { continue }
            any = true
            switch c {
            case .maxNorm(let v):
                l.append("    # max_norm(\(ScriptExport.py(v))): each unit's incoming weights (a row of nn.Linear's weight) to norm <= \(ScriptExport.py(v))")
                l.append("    norm = \(r).weight.norm(dim=1, keepdim=True)")
                l.append("    \(r).weight.mul_(norm.clamp(0, \(ScriptExport.py(v))) / (1e-7 + norm))")
            case .nonNeg:
                l.append("    \(r).weight.clamp_(min=0)  # non_neg")
            }
        }
        if !any { l.append("    pass") }
        return l
    }

    static func clipCode(_ c: Clipping) -> [String] {
        var l = ["def clip_gradients(params):"]
        if let v = c.clipNorm {
            l += ["    \"\"\"clipnorm=\(ScriptExport.py(v)): each gradient tensor rescaled to L2 norm <= \(ScriptExport.py(v)), as Keras.\"\"\"",
                  "    for p in params:",
                  "        norm = p.grad.norm()",
                  "        if norm > \(ScriptExport.py(v)):",
                  "            p.grad.mul_(\(ScriptExport.py(v)) / norm)"]
        } else if let v = c.globalClipNorm {
            l += ["    \"\"\"global_clipnorm=\(ScriptExport.py(v)): all gradients rescaled together to joint norm <= \(ScriptExport.py(v)).\"\"\"",
                  "    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in params))",
                  "    if norm > \(ScriptExport.py(v)):",
                  "        for p in params:",
                  "            p.grad.mul_(\(ScriptExport.py(v)) / norm)"]
        } else if let v = c.clipValue {
            l += ["    \"\"\"clipvalue=\(ScriptExport.py(v)): each gradient element clipped to [-\(ScriptExport.py(v)), \(ScriptExport.py(v))].\"\"\"",
                  "    for p in params:",
                  "        p.grad.clamp_(-\(ScriptExport.py(v)), \(ScriptExport.py(v)))"]
        } else {
            l += ["    \"\"\"No gradient clipping was compiled.\"\"\"", "    pass"]
        }
        return l
    }

    static func scheduleCode(_ o: Optimizer) -> [String] {
        let p = ScriptExport.py
        var l = ["def learning_rate_at(step, base):"]
        guard let s = o.schedule else {
            return l + ["    \"\"\"A constant rate (ReduceLROnPlateau may lower `base`).\"\"\"", "    return base"]
        }
        l.append("    \"\"\"gradlab's \(s.description), Keras' formula, at optimizer step `step`.\"\"\"")
        switch s {
        case .power(let lr, let ds, let dr):
            l.append("    return \(p(lr)) / (1 + \(p(dr)) * step / \(p(ds)))  # InverseTimeDecay")
        case .exponential(let lr, let ds, let dr, let st):
            l.append(st ? "    return \(p(lr)) * \(p(dr)) ** math.floor(step / \(p(ds)))  # ExponentialDecay(staircase=True)"
                        : "    return \(p(lr)) * \(p(dr)) ** (step / \(p(ds)))  # ExponentialDecay")
        case .piecewise(let b, let v):
            l += ["    boundaries, values = \(b), [\(v.map(p).joined(separator: ", "))]  # PiecewiseConstantDecay",
                  "    for boundary, value in zip(boundaries, values):",
                  "        if step <= boundary:",
                  "            return value",
                  "    return values[-1]"]
        case .oneCycle(let mx, let total):
            l += ["    top, total = \(p(mx)), \(total)",
                  "    start, end = top / 10, top / 1000",
                  "    half = max(1, int(total * 0.45))",
                  "    if step <= half:",
                  "        return start + (top - start) * step / half",
                  "    if step <= 2 * half:",
                  "        return top - (top - start) * (step - half) / half",
                  "    rest = max(1, total - 2 * half)",
                  "    return max(end, start - (start - end) * (step - 2 * half) / rest)"]
        }
        return l
    }

    static func optimizerCode(_ o: Optimizer) -> [String] {
        let p = ScriptExport.py
        let cls: String, doc: String
        var rule: [String]
        var pre: [String] = []
        // The Python text of each rule; its keyword arguments come from the rule's keys.
        let params = o.rule.arguments.map { a -> (String, String) in
            switch a.value {
            case .number(let x): return (a.name, p(x))
            case .flag(let b): return (a.name, ScriptExport.pyBool(b))
            }
        }
        switch o.rule {
        case is SGD:
            cls = "KerasSGD"
            doc = "Keras' SGD: m = momentum·m − lr·g; w += (momentum·m − lr·g if nesterov else m).\n    (torch.optim.SGD accumulates m = momentum·m + g and steps lr·m: equal only at a constant rate.)"
            rule = ["            if self.momentum == 0:",
                    "                p.add_(g, alpha=-lr)",
                    "                continue",
                    "            m = state.setdefault(\"m\", torch.zeros_like(p))",
                    "            m.mul_(self.momentum).add_(g, alpha=-lr)",
                    "            p.add_(self.momentum * m - lr * g if self.nesterov else m)"]
        case is Adagrad:
            cls = "KerasAdagrad"
            doc = "Keras' Adagrad: acc += g²; w −= lr·g / sqrt(acc + ε) (ε inside the root)."
            rule = ["            acc = state.setdefault(\"acc\", torch.full_like(p, self.initial_accumulator_value))",
                    "            acc.add_(g * g)",
                    "            p.sub_(lr * g / torch.sqrt(acc + self.epsilon))"]
        case is RMSprop:
            cls = "KerasRMSprop"
            doc = "Keras' RMSprop: v = ρ·v + (1−ρ)·g²; step = lr·g / sqrt(v + ε) (ε inside the root);\n    with momentum m = momentum·m + step; w −= m."
            rule = ["            v = state.setdefault(\"v\", torch.zeros_like(p))",
                    "            v.mul_(self.rho).add_((1 - self.rho) * g * g)",
                    "            increment = lr * g / torch.sqrt(v + self.epsilon)",
                    "            if self.momentum > 0:",
                    "                m = state.setdefault(\"m\", torch.zeros_like(p))",
                    "                m.mul_(self.momentum).add_(increment)",
                    "                p.sub_(m)",
                    "            else:",
                    "                p.sub_(increment)"]
        case is Adam:
            cls = "KerasAdam"
            doc = "Keras' Adam: α = lr·sqrt(1−β₂ᵗ)/(1−β₁ᵗ); w −= α·m / (sqrt(v) + ε).\n    (torch.optim.Adam puts ε after the bias correction of v: a slightly different rule.)"
            pre = ["        alpha = lr * math.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)"]
            rule = ["            m = state.setdefault(\"m\", torch.zeros_like(p))",
                    "            v = state.setdefault(\"v\", torch.zeros_like(p))",
                    "            m.add_((g - m) * (1 - self.beta_1))",
                    "            v.add_((g * g - v) * (1 - self.beta_2))",
                    "            p.sub_(alpha * m / (torch.sqrt(v) + self.epsilon))"]
        case is Adamax:
            cls = "KerasAdamax"
            doc = "Keras' Adamax: m += (g−m)(1−β₁); u = max(β₂·u, |g|); w −= lr·m / ((1−β₁ᵗ)(u + ε))."
            rule = ["            m = state.setdefault(\"m\", torch.zeros_like(p))",
                    "            u = state.setdefault(\"u\", torch.zeros_like(p))",
                    "            m.add_((g - m) * (1 - self.beta_1))",
                    "            torch.maximum(self.beta_2 * u, g.abs(), out=u)",
                    "            p.sub_(lr * m / ((1 - self.beta_1 ** t) * (u + self.epsilon)))"]
        case is Nadam:
            cls = "KerasNadam"
            doc = "Keras 3's Nadam: uₜ = β₁(1 − ½·0.96ᵗ); m̂ = uₜ₊₁·m/(1 − Πu·uₜ₊₁) + (1 − uₜ)·g/(1 − Πu);\n    v̂ = v/(1 − β₂ᵗ); w −= lr·m̂ / (sqrt(v̂) + ε)."
            pre = ["        u_t = self.beta_1 * (1 - 0.5 * 0.96 ** t)",
                   "        u_next = self.beta_1 * (1 - 0.5 * 0.96 ** (t + 1))",
                   "        self.u_product *= u_t",
                   "        u_product_next = self.u_product * u_next",
                   "        beta_2_power = self.beta_2 ** t"]
            rule = ["            m = state.setdefault(\"m\", torch.zeros_like(p))",
                    "            v = state.setdefault(\"v\", torch.zeros_like(p))",
                    "            m.add_((g - m) * (1 - self.beta_1))",
                    "            v.add_((g * g - v) * (1 - self.beta_2))",
                    "            m_hat = u_next * m / (1 - u_product_next) + (1 - u_t) * g / (1 - self.u_product)",
                    "            v_hat = v / (1 - beta_2_power)",
                    "            p.sub_(lr * m_hat / (torch.sqrt(v_hat) + self.epsilon))"]
        default:
            cls = "Keras\(type(of: o.rule).kerasClassName)"
            doc = "Keras' \(type(of: o.rule).kerasClassName): gradlab has no PyTorch version of this rule yet."
            rule = ["            raise NotImplementedError(\"\(o.rule.name) has no PyTorch export\")"]
        }
        var l = ["class \(cls)(torch.optim.Optimizer):",
                 "    \"\"\"\(doc)\"\"\"",
                 "",
                 "    def __init__(self, params, learning_rate, " + params.map { "\($0.0)=\($0.1)" }.joined(separator: ", ") + "):",
                 "        super().__init__(params, dict(lr=learning_rate))"]
        for (k, _) in params { l.append("        self.\(k) = \(k)") }
        l.append("        self.iterations = 0")
        if o.rule is Nadam { l.append("        self.u_product = 1.0") }
        l += ["",
              "    @torch.no_grad()",
              "    def step(self):",
              "        params = [p for group in self.param_groups for p in group[\"params\"] if p.grad is not None]",
              "        clip_gradients(params)",
              "        lr = learning_rate_at(self.iterations, self.param_groups[0][\"lr\"])",
              "        t = self.iterations + 1"]
        l += pre
        l += ["        for p in params:",
              "            g, state = p.grad, self.state[p]"]
        l += rule
        l.append("        self.iterations += 1")
        let base = o.schedule.map { $0.rate(at: 0) } ?? o.learningRate
        l += ["", "",
              "def make_optimizer(model):",
              "    trainable = [p for p in model.parameters() if p.requires_grad]",
              "    return \(cls)(trainable, learning_rate=\(p(base)), " + params.map { "\($0.0)=\($0.1)" }.joined(separator: ", ") + ")"]
        return l
    }

    static func callbackCode(_ kinds: Set<String>) -> [String] {
        var l = ["", "",
                 "class Callback:",
                 "    stop = False",
                 "",
                 "    def begin(self, model):",
                 "        pass",
                 "",
                 "    def epoch_end(self, model, optimizer, logs):",
                 "        pass",
                 "",
                 "    def end(self, model):",
                 "        pass",
                 "",
                 "",
                 "def improved(monitor, value, best):",
                 "    return best is None or (value < best if monitor.endswith(\"loss\") else value > best)"]
        if kinds.contains("es") {
            l += ["", "",
                  "class EarlyStopping(Callback):",
                  "    \"\"\"Keras' EarlyStopping (min_delta=0).\"\"\"",
                  "",
                  "    def __init__(self, monitor=\"val_loss\", patience=0, restore_best_weights=False):",
                  "        self.monitor, self.patience, self.restore_best_weights = monitor, patience, restore_best_weights",
                  "",
                  "    def begin(self, model):",
                  "        self.best, self.wait, self.stop, self.best_state = None, 0, False, None",
                  "",
                  "    def epoch_end(self, model, optimizer, logs):",
                  "        value = logs.get(self.monitor, logs.get(self.monitor.replace(\"val_\", \"\")))",
                  "        if improved(self.monitor, value, self.best):",
                  "            self.best, self.wait = value, 0",
                  "            if self.restore_best_weights:",
                  "                self.best_state = copy.deepcopy(model.state_dict())",
                  "            return",
                  "        self.wait += 1",
                  "        if self.wait >= self.patience:",
                  "            self.stop = True",
                  "            print(f\"early stopping: {self.monitor} has not improved for {self.patience} epoch(s)\")",
                  "",
                  "    def end(self, model):",
                  "        if self.restore_best_weights and self.best_state is not None:",
                  "            model.load_state_dict(self.best_state)"]
        }
        if kinds.contains("rlr") {
            l += ["", "",
                  "class ReduceLROnPlateau(Callback):",
                  "    \"\"\"Keras' ReduceLROnPlateau (min_delta=0, cooldown=0).\"\"\"",
                  "",
                  "    def __init__(self, monitor=\"val_loss\", factor=0.1, patience=10, min_lr=0.0):",
                  "        self.monitor, self.factor, self.patience, self.min_lr = monitor, factor, patience, min_lr",
                  "",
                  "    def begin(self, model):",
                  "        self.best, self.wait = None, 0",
                  "",
                  "    def epoch_end(self, model, optimizer, logs):",
                  "        value = logs.get(self.monitor, logs.get(self.monitor.replace(\"val_\", \"\")))",
                  "        if improved(self.monitor, value, self.best):",
                  "            self.best, self.wait = value, 0",
                  "            return",
                  "        self.wait += 1",
                  "        if self.wait >= self.patience:",
                  "            self.wait = 0",
                  "            for group in optimizer.param_groups:",
                  "                group[\"lr\"] = max(self.min_lr, group[\"lr\"] * self.factor)"]
        }
        if kinds.contains("ckpt") {
            l += ["", "",
                  "class ModelCheckpoint(Callback):",
                  "    \"\"\"Keras' ModelCheckpoint: saves the state_dict when the monitored value improves.\"\"\"",
                  "",
                  "    def __init__(self, path, monitor=\"val_loss\", save_best_only=True):",
                  "        self.path, self.monitor, self.save_best_only = path, monitor, save_best_only",
                  "",
                  "    def begin(self, model):",
                  "        self.best = None",
                  "",
                  "    def epoch_end(self, model, optimizer, logs):",
                  "        value = logs.get(self.monitor, logs.get(self.monitor.replace(\"val_\", \"\")))",
                  "        if self.save_best_only and not improved(self.monitor, value, self.best):",
                  "            return",
                  "        self.best = value",
                  "        torch.save(model.state_dict(), self.path)"]
        }
        return l
    }
}
