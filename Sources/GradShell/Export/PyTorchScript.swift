import Foundation
import GradNN

/// `export pytorch PATH.py`: the session's model as a PyTorch script that
/// gives the same predictions: an `nn.Sequential` of named modules (the
/// gradlab layer names), Keras' initializers, BatchNorm1d with momentum =
/// 1 − Keras' momentum and the same eps (updated with the biased batch
/// variance, as Keras), optimizers with Keras' formulas and epsilon
/// placement, and the trained weights loaded with `safetensors.torch`
/// (Keras kernels [in, out] transposed into `nn.Linear`'s [out, in]).
///
/// `render` writes the sections in script order; below it, one emitter per
/// component kind: a layer gives a `Module` (what it puts into each section),
/// an optimizer a `KerasOptimizer` class, a schedule the body of
/// `learning_rate_at`, a callback its constructor call and class.
enum PyTorchScript {
    static func render(_ e: ScriptExport) throws -> String {
        try e.validate(for: "PyTorch")
        let modules = try layerModules(e)
        var w = PythonWriter()
        e.writeHeader(
            &w, framework: "PyTorch", needs: "pip install torch safetensors numpy",
            saveExample: "model.pt", saveFormat: "PyTorch's format (a state_dict)",
            scaling: #"""
                On a GPU: move the model and each batch with .to("cuda"); across GPUs or hosts wrap
                the model in torch.nn.parallel.DistributedDataParallel (torchrun).
                """#)
        w.write(
            #"""
            import argparse
            import copy
            import gzip
            import math
            import os
            from collections import OrderedDict

            import numpy as np
            import safetensors.numpy
            import torch
            from safetensors.torch import load_file
            from torch import nn
            """#)
        e.writeConstants(&w)
        w.write("EPSILON = 1e-7  # Keras' backend epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON]")
        e.writeData(&w)
        w.blank(2)
        w.write(
            #"""
            def prepared_data():
                """The splits as tensors: float32 features, \#(e.classCount > 0 ? "int64 class indices" : "float32 targets")."""
                return {k: (torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), torch.from_numpy(np.ascontiguousarray(y)))
                        for k, (x, y) in load_data().items()}
            """#)
        for helper in ModuleClass.allCases
        where modules.contains(where: { m in m.helper == helper || m.entries.contains { $0.1 == helper.module } }) {
            w.blank(2)
            w.write(helper.source)
        }
        writeModel(&w, e, modules)
        writeInitialize(&w, modules)
        writeWeights(&w, modules)
        writeCompile(&w, e, modules)
        let activity = modules.contains { $0.activity != nil }
        writeEvaluate(&w, activity: activity)
        writeCallbackClasses(&w, e)
        writeTraining(&w, e, activity: activity)
        writeMain(&w, e)
        return w.text
    }

    // MARK: sections

    /// `build_model()` (an `nn.Sequential` of the layers' modules) and `train_mode(model)`.
    static func writeModel(_ w: inout PythonWriter, _ e: ScriptExport, _ modules: [Module]) {
        w.section("model")
        w.write(
            #"""
            def build_model():
                # gradlab: \#(e.modelCommand)  (input shape \#(PythonWriter.tuple(e.model.inputShape ?? e.sampleShape)))
                model = nn.Sequential(OrderedDict([
            """#)
        w.indented { w in
            w.indented { w in
                for m in modules {
                    w.write(m.comment)
                    for (name, code) in m.entries { w.write("(\(name.py), \(code)),") }
                }
            }
            w.write("]))")
            for m in modules { w.write(lines: m.settings) }
            for (i, m) in modules.enumerated() where m.layer.isFrozen {
                w.write("# gradlab: set trainable \(i) false")
                w.write("\(m.ref).requires_grad_(False)")
            }
            w.write("return model")
        }
        w.blank(2)
        w.write("def train_mode(model):\n    model.train()")
        for m in modules where m.layer is BatchNormalization && m.layer.isFrozen {
            w.write("    \(m.ref).eval()  # frozen: inference mode, as in Keras 3 and gradlab")
        }
    }

    /// `initialize(model)`: Keras' initializers for the layers that have them.
    static func writeInitialize(_ w: inout PythonWriter, _ modules: [Module]) {
        w.blank(2)
        w.write(
            #"""
            def keras_initializer_(tensor, fan_in, fan_out, kind, **kw):
                """Fills `tensor` as the Keras initializer `kind` does (fans of the Keras shape)."""
                if kind == "zeros":
                    return tensor.zero_()
                if kind == "ones":
                    return tensor.fill_(1.0)
                if kind == "constant":
                    return tensor.fill_(kw["value"])
                if kind == "random_normal":
                    return tensor.normal_(kw["mean"], kw["stddev"])
                if kind == "random_uniform":
                    return tensor.uniform_(kw["minval"], kw["maxval"])
                if kind == "orthogonal":
                    return nn.init.orthogonal_(tensor, gain=kw["gain"])
                if kind == "identity":
                    # torch's weight is Keras' kernel transposed: eye(out, in) is eye(in, out) transposed.
                    return nn.init.eye_(tensor).mul_(kw["gain"])
                if kind == "truncated_normal":
                    mean, std = kw["mean"], kw["stddev"]
                    return nn.init.trunc_normal_(tensor, mean, std, mean - 2 * std, mean + 2 * std)
                # variance_scaling: glorot = (1, fan_avg), he = (2, fan_in), lecun = (1, fan_in)
                n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[kw["mode"]]
                s = kw["scale"] / max(1.0, n)
                if kw["distribution"] == "truncated_normal":
                    std = math.sqrt(s) / 0.87962566103423978
                    return nn.init.trunc_normal_(tensor, 0.0, std, -2 * std, 2 * std)
                if kw["distribution"] == "untruncated_normal":
                    return tensor.normal_(0.0, math.sqrt(s))
                limit = math.sqrt(3 * s)
                return tensor.uniform_(-limit, limit)


            @torch.no_grad()
            def initialize(model):
                """Keras' initializers (PyTorch's defaults differ): fans from the Keras kernel [in, out]."""
            """#)
        let lines = modules.flatMap(\.initialize)
        w.indented { $0.write(lines: lines.isEmpty ? ["pass"] : lines) }
    }

    /// `load_weights(model)`: gradlab's trained variables, layer by layer.
    static func writeWeights(_ w: inout PythonWriter, _ modules: [Module]) {
        w.section("trained weights")
        w.write(
            #"""
            @torch.no_grad()
            def load_weights(model, path=WEIGHTS):
                """gradlab's trained variables (Keras kernels [in, out] -> nn.Linear weights [out, in])."""
                w = load_file(path)
            """#)
        w.indented { w in
            for m in modules { w.write(lines: m.load) }
            w.write(
                #"""
                if w:
                    raise ValueError(f"{path} holds tensors no layer uses: {sorted(w)}")
                """#)
        }
    }

    /// Loss, accuracy, regularizers, constraints, clipping, schedule, optimizer.
    static func writeCompile(_ w: inout PythonWriter, _ e: ScriptExport, _ modules: [Module]) {
        let opt = e.optimizer
        w.section("compile")
        w.write("# gradlab: \(e.compileCommand)")
        w.write(loss(e))
        w.blank(2)
        w.write(correctCount(e))
        w.blank(2)
        w.write(penalty(modules))
        w.blank(2)
        if let a = activityPenalty(modules) {
            w.write(a)
            w.blank(2)
        }
        w.write(constraints(modules))
        w.blank(2)
        w.write(clipGradients(opt.clipping))
        w.blank(2)
        w.write("def learning_rate_at(step, base):")
        w.indented { $0.write(learningRate(opt.schedule)) }
        w.blank(2)
        writeOptimizer(&w, opt)
    }

    /// `predict` and `evaluate`, in inference mode; with `activity`, each
    /// batch's loss takes the activity penalties of its outputs, as Keras'.
    static func writeEvaluate(_ w: inout PythonWriter, activity: Bool) {
        w.blank(2)
        w.write(
            #"""
            @torch.no_grad()
            def predict(model, x, batch_size=500):
                model.eval()
                return torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])


            @torch.no_grad()
            def evaluate(model, x, y, batch_size=500):
                """Loss (with the kernel penalties) and accuracy in inference mode, as Keras' evaluate."""
                model.eval()
                total, correct = 0.0, 0
                for i in range(0, len(x), batch_size):
                    output, target = model(x[i:i + batch_size]), y[i:i + batch_size]
                    total += \#(activity ? "(loss_fn(output, target) + activity_penalty(model))" : "loss_fn(output, target)").item() * len(target)
                    correct += correct_count(output, target)
                return total / len(x) + penalty(model).item(), correct / len(x)
            """#)
    }

    /// `fit(...)`, Keras' loop, and `train(model, data)`: one `fit` call per gradlab `fit`.
    static func writeTraining(_ w: inout PythonWriter, _ e: ScriptExport, activity: Bool) {
        w.section("training")
        w.write(
            #"""
            def fit(model, optimizer, data, epochs=1, batch_size=32, shuffle=True, callbacks=()):
                """Keras' fit: shuffled mini-batches (the last one may be smaller), then validation."""
                x, y = data["train"]
                n = len(x)
                for cb in callbacks:
                    cb.begin(model)
                for epoch in range(1, epochs + 1):
                    for cb in callbacks:
                        cb.epoch_begin(model, optimizer, epoch - 1)
                    train_mode(model)
                    order = torch.randperm(n) if shuffle else torch.arange(n)
                    total, correct = 0.0, 0
                    for start in range(0, n, batch_size):
                        idx = order[start:start + batch_size]
                        output = model(x[idx])
                        loss = loss_fn(output, y[idx]) + penalty(model)\#(activity ? " + activity_penalty(model)" : "")
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                        apply_constraints(model)
                        total += loss.item() * len(idx)
                        correct += correct_count(output.detach(), y[idx])
                    logs = {"loss": total / n, "accuracy": correct / n}
                    if "validation" in data:
                        logs["val_loss"], logs["val_accuracy"] = evaluate(model, *data["validation"])
                    print(f"Epoch {epoch}/{epochs} - " + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
                    for cb in callbacks:
                        cb.epoch_end(model, optimizer, logs)
                    if any(cb.stop for cb in callbacks):
                        break
                for cb in callbacks:
                    cb.end(model)


            def train(model, data):
                optimizer = make_optimizer(model)
            """#)
        w.indented { w in
            for f in e.fits {
                w.write("# gradlab: \(f.command)")
                var call =
                    "fit(model, optimizer, data, epochs=\(f.epochs), batch_size=\(f.batchSize), shuffle=\(f.shuffle.py)"
                if !f.callbacks.isEmpty {
                    call +=
                        ",\n    callbacks=[" + f.callbacks.map(callback).joined(separator: ",\n               ") + "]"
                }
                w.write(call + ")")
            }
        }
    }

    /// `main()`: evaluate gradlab's weights, or train first with `--train`.
    static func writeMain(_ w: inout PythonWriter, _ e: ScriptExport) {
        w.blank(2)
        w.write("def main():")
        e.writeArgumentParser(
            &w,
            save:
                "after evaluating, save the model's state_dict (FILE.pt: build_model() then model.load_state_dict(torch.load(FILE)))"
        )
        w.write(
            #"""
                data = prepared_data()
                # gradlab: seed \#(e.seed)  (PyTorch draws its own random numbers: --train starts from
                # other initial weights than gradlab did, with the same initializers)
                torch.manual_seed(SEED)
                model = build_model()
                if args.train:
                    if args.init:
                        load_weights(model, args.init)
                    else:
                        initialize(model)
                    train(model, data)
                else:
                    load_weights(model, args.weights)
                # gradlab: evaluate \#(e.evaluationSplit)
                x, y = data[args.split]
                loss, accuracy = evaluate(model, x, y)
            \#(e.evaluateLine(loss: "loss", accuracy: "accuracy"))
                if args.predictions:
                    np.save(args.predictions, predict(model, x).numpy().astype(np.float32))
                if args.save:
                    torch.save(model.state_dict(), args.save)
            """#)
        w.write(ScriptExport.entryPoint)
    }

    // MARK: layers, one emitter per kind

    /// What one gradlab layer puts into each section of the script.
    struct Module {
        var layer: Layer
        /// `model.dense`: how the script's functions reach the layer's module.
        var ref: String
        /// `# gradlab: add …` above the layer's entries in `build_model`.
        var comment: String
        /// (name, module) pairs of the `nn.Sequential`: the layer, and its activation when separate.
        var entries: [(String, String)]
        /// Lines of `build_model` after the `nn.Sequential`.
        var settings: [String] = []
        /// Lines of `initialize(model)`.
        var initialize: [String] = []
        /// Lines of `load_weights(model)`.
        var load: [String] = []
        /// The class the module needs beyond `torch.nn`.
        var helper: ModuleClass? = nil
        /// The Dense layer whose kernel takes regularizers and constraints, and its module.
        var kernel: (ref: String, dense: Dense)? = nil
        /// The module whose output an activity regularizer penalizes (the activation's, when separate).
        var activity: (ref: String, regularizer: Regularizer)? = nil
    }

    /// Each layer's module, in order; the input width follows the layers' output shapes.
    static func layerModules(_ e: ScriptExport) throws -> [Module] {
        let names = moduleNames(e.model)
        var input = e.model.inputShape ?? e.sampleShape
        return try e.model.layers.enumerated().map { i, l in
            var m = Module(
                layer: l, ref: ref(names[i].main), comment: "# gradlab: \(ScriptExport.command(for: l))",
                entries: [])
            try module(&m, input: input, names: names[i])
            input = l.outputShape
            return m
        }
    }

    static func module(_ m: inout Module, input: [Int], names n: Names) throws {
        let width = input.reduce(1, *)
        switch m.layer {
        case let d as Dense: dense(&m, d, width: width, names: n)
        case let r as Residual: residual(&m, r)
        case is Flatten: m.entries = [(n.main, "nn.Flatten()")]
        case let b as BatchNormalization: batchNormalization(&m, b, width: width)
        case let d as Dropout: m.entries = [(n.main, "nn.Dropout(\(d.rate.py))")]
        case let d as AlphaDropout: m.entries = [(n.main, "nn.AlphaDropout(\(d.rate.py))")]
        case let d as MCDropout:
            m.entries = [(n.main, "MCDropout(\(d.rate.py))")]
            m.helper = .mcDropout
        case let d as MCAlphaDropout:
            m.entries = [(n.main, "MCAlphaDropout(\(d.rate.py))")]
            m.helper = .mcAlphaDropout
        case let a as ActivationLayer: m.entries = [(n.main, activationModule(a.activation) ?? "nn.Identity()")]
        case let p as PReLU: prelu(&m, p, input: input)
        case let r as RReLU: m.entries = [(n.main, "nn.RReLU(lower=\(r.lower.py), upper=\(r.upper.py))")]
        default: throw ShellError("cannot export layer \(m.layer.name) (\(m.layer.typeName)) to PyTorch")
        }
    }

    static func dense(_ m: inout Module, _ d: Dense, width: Int, names n: Names) {
        m.entries = [(n.main, "nn.Linear(\(width), \(d.units)\(d.useBias ? "" : ", bias=False"))")]
        var output = m.ref
        if let a = activationModule(d.activation), let an = n.activation {
            m.entries.append((an, a))
            output = ref(an)
        }
        linearParameters(&m, d, ref: m.ref)
        if let r = d.activityRegularizer {
            m.activity = (output, r)
            m.settings.append("\(output).register_forward_hook(keep_output)  # activity_regularizer=\(r.name) on this output")
            m.helper = .keepOutput
        }
    }

    /// gradlab's residual block: a `Residual` module around an `nn.Linear`.
    static func residual(_ m: inout Module, _ r: Residual) {
        let a = activationModule(r.inner.activation).map { ", activation=\($0)" } ?? ""
        m.entries = [(m.layer.name, "Residual(\(r.inner.units)\(a)\(r.inner.useBias ? "" : ", bias=False"))")]
        m.helper = .residual
        linearParameters(&m, r.inner, ref: m.ref + ".dense")
    }

    /// A Dense kernel's initializer, weights (transposed), regularizer and constraint.
    static func linearParameters(_ m: inout Module, _ d: Dense, ref r: String) {
        let fanIn = d.kernel.value.shape[0]
        let units = d.units
        m.initialize = [
            "keras_initializer_(\(r).weight, \(fanIn), \(units), \(initializer(d.kernelInitializer)))  # \(d.kernelInitializer.name)"
        ]
        m.load = ["\(r).weight.copy_(w.pop(\((d.name + "/kernel").py)).T)"]
        if d.useBias {
            m.initialize.append("keras_initializer_(\(r).bias, \(units), \(units), \(initializer(d.biasInitializer)))")
            m.load.append("\(r).bias.copy_(w.pop(\((d.name + "/bias").py)))")
        }
        if !m.layer.isFrozen { m.kernel = (r, d) }
    }

    /// `KerasBatchNorm1d`: Keras' update rule; center=false / scale=false freeze beta / gamma.
    static func batchNormalization(_ m: inout Module, _ b: BatchNormalization, width: Int) {
        let r = m.ref
        m.comment += "  (Keras momentum \(b.momentum.py) -> PyTorch momentum 1 - \(b.momentum.py))"
        m.entries = [(b.name, "KerasBatchNorm1d(\(width), momentum=1 - \(b.momentum.py), eps=\(b.epsilon.py))")]
        m.helper = .kerasBatchNorm1d
        if !b.center { m.settings.append("\(r).bias.requires_grad_(False)  # center=false: beta stays 0") }
        if !b.scale { m.settings.append("\(r).weight.requires_grad_(False)  # scale=false: gamma stays 1") }
        if b.scale { m.load.append("\(r).weight.copy_(w.pop(\((b.name + "/gamma").py)))") }
        if b.center { m.load.append("\(r).bias.copy_(w.pop(\((b.name + "/beta").py)))") }
        m.load.append("\(r).running_mean.copy_(w.pop(\((b.name + "/moving_mean").py)))")
        m.load.append("\(r).running_var.copy_(w.pop(\((b.name + "/moving_variance").py)))")
    }

    /// One alpha per feature (`nn.PReLU`), or per element on a non-flat input.
    static func prelu(_ m: inout Module, _ p: PReLU, input: [Int]) {
        if input.count == 1 {
            m.entries = [(p.name, "nn.PReLU(num_parameters=\(input.reduce(1, *)), init=0.0)")]
        } else {
            m.entries = [(p.name, "ElementwisePReLU(\(PythonWriter.tuple(input)))")]
            m.helper = .elementwisePReLU
        }
        m.load = ["\(m.ref).weight.copy_(w.pop(\((p.name + "/alpha").py)).reshape(\(m.ref).weight.shape))"]
    }

    static func activationModule(_ a: Activation) -> String? {
        switch a {
        case .linear: return nil
        case .sigmoid: return "nn.Sigmoid()"
        case .tanh: return "nn.Tanh()"
        case .relu: return "nn.ReLU()"
        case .leakyRelu(let al): return "nn.LeakyReLU(negative_slope=\(al.py))"
        case .elu(let al): return "nn.ELU(alpha=\(al.py))"
        case .selu: return "nn.SELU()"
        case .softmax: return "nn.Softmax(dim=-1)"
        case .softplus: return "nn.Softplus()"
        case .softsign: return "nn.Softsign()"
        case .hardSigmoid: return "nn.Hardsigmoid()"
        case .relu6: return "nn.ReLU6()"
        case .celu(let al): return "nn.CELU(alpha=\(al.py))"
        case .exponential: return ModuleClass.exponential.module
        case .silu: return "nn.SiLU()"
        case .gelu(let approximate): return approximate ? #"nn.GELU(approximate="tanh")"# : "nn.GELU()"
        case .mish: return "nn.Mish()"
        }
    }

    /// The arguments of `keras_initializer_` after the fans.
    static func initializer(_ i: Initializer) -> String {
        switch i {
        case .zeros: return #""zeros""#
        case .ones: return #""ones""#
        case .constant(let v): return #""constant", value=\#(v.py)"#
        case .randomNormal(let m, let s): return #""random_normal", mean=\#(m.py), stddev=\#(s.py)"#
        case .randomUniform(let a, let b): return #""random_uniform", minval=\#(a.py), maxval=\#(b.py)"#
        case .truncatedNormal(let m, let s): return #""truncated_normal", mean=\#(m.py), stddev=\#(s.py)"#
        case .varianceScaling(let scale, let mode, let dist, _):
            return
                #""variance_scaling", scale=\#(scale.py), mode=\#(mode.rawValue.py), distribution=\#(dist.rawValue.py)"#
        case .orthogonal(let g): return #""orthogonal", gain=\#(g.py)"#
        case .identity(let g): return #""identity", gain=\#(g.py)"#
        }
    }

    /// The module name of each layer, and of its activation module when it has one.
    struct Names {
        var main: String
        var activation: String?
    }

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

    /// `model.dense`, or `model.get_submodule("…")` for a name Python cannot spell.
    static func ref(_ name: String) -> String {
        PythonWriter.isIdentifier(name) ? "model.\(name)" : "model.get_submodule(\(name.py))"
    }

    /// A class the script defines when a layer's module needs it, in this order.
    enum ModuleClass: CaseIterable {
        case kerasBatchNorm1d, residual, elementwisePReLU, exponential, mcDropout, mcAlphaDropout, keepOutput

        /// The module an activation entry uses, for classes that stand for an activation.
        var module: String? { self == .exponential ? "Exp()" : nil }

        var source: String {
            switch self {
            case .kerasBatchNorm1d:
                return #"""
                    class KerasBatchNorm1d(nn.BatchNorm1d):
                        """nn.BatchNorm1d updated as Keras' BatchNormalization: momentum here is 1 - Keras'
                        momentum (0.99 -> 0.01) and the moving variance takes the batch's biased variance
                        (nn.BatchNorm1d would take the unbiased one). Inference is plain BatchNorm1d."""

                        def forward(self, x):
                            if not self.training:
                                return super().forward(x)
                            mean = x.mean(dim=0)
                            var = x.var(dim=0, unbiased=False)
                            with torch.no_grad():
                                self.running_mean.mul_(1 - self.momentum).add_(mean, alpha=self.momentum)
                                self.running_var.mul_(1 - self.momentum).add_(var, alpha=self.momentum)
                            return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias
                    """#
            case .residual:
                return #"""
                    class Residual(nn.Module):
                        """gradlab's residual block y = x + activation(dense(x)) (He et al. 2016)."""

                        def __init__(self, units, activation=None, bias=True):
                            super().__init__()
                            self.dense = nn.Linear(units, units, bias=bias)
                            self.activation = activation if activation is not None else nn.Identity()

                        def forward(self, x):
                            return x + self.activation(self.dense(x))
                    """#
            case .exponential:
                return #"""
                    class Exp(nn.Module):
                        """Keras' exponential activation, exp(x), which torch.nn has no module for."""

                        def forward(self, x):
                            return torch.exp(x)
                    """#
            case .mcDropout:
                return #"""
                    class MCDropout(nn.Dropout):
                        """The book's MCDropout: dropout that stays on in eval() too, so every
                        evaluation or prediction is one MC Dropout pass."""

                        def forward(self, x):
                            return nn.functional.dropout(x, self.p, training=True)
                    """#
            case .mcAlphaDropout:
                return #"""
                    class MCAlphaDropout(nn.AlphaDropout):
                        """The book's MCAlphaDropout: alpha dropout that stays on in eval() too."""

                        def forward(self, x):
                            return nn.functional.alpha_dropout(x, self.p, training=True)
                    """#
            case .keepOutput:
                return #"""
                    def keep_output(module, inputs, output):
                        """A forward hook: keeps the module's last output for activity_penalty(model)."""
                        module.last_output = output
                    """#
            case .elementwisePReLU:
                return #"""
                    class ElementwisePReLU(nn.Module):
                        """Keras' PReLU on a non-flat input: one learned alpha per element, starting at 0."""

                        def __init__(self, shape):
                            super().__init__()
                            self.weight = nn.Parameter(torch.zeros(shape))

                        def forward(self, x):
                            return torch.where(x > 0, x, self.weight * x)
                    """#
            }
        }
    }

    // MARK: losses, one case per kind

    /// `loss_fn(output, target)` as Keras computes the loss.
    static func loss(_ e: ScriptExport) -> String {
        let units = e.outputUnits
        let target =
            units == 1 ? "t = target.float().view(-1, 1)" : "t = nn.functional.one_hot(target, \(units)).float()"
        switch e.loss {
        case .sparseCategoricalCrossentropy, .categoricalCrossentropy:
            return #"""
                def loss_fn(output, target):
                    """\#(e.loss.rawValue) on probabilities, as Keras computes it: each row
                    normalized to sum 1, the target's probability clipped to [EPSILON, 1 - EPSILON]."""
                    p = output / output.sum(dim=1, keepdim=True)
                    p = p.gather(1, target.view(-1, 1)).clamp(EPSILON, 1 - EPSILON)
                    return -torch.log(p).mean()
                """#
        case .binaryCrossentropy:
            return #"""
                def loss_fn(output, target):
                    """binary_crossentropy on probabilities clipped to [EPSILON, 1 - EPSILON], averaged over units then samples."""
                    \#(target)
                    p = output.clamp(EPSILON, 1 - EPSILON)
                    return -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()
                """#
        case .meanSquaredError:
            return #"""
                def loss_fn(output, target):
                    """mean_squared_error, averaged over units then samples\#(units == 1 ? "" : " (targets one-hot, as gradlab)")."""
                    \#(target)
                    return ((output - t) ** 2).mean()
                """#
        }
    }

    /// `correct_count(output, target)`: gradlab's accuracy.
    static func correctCount(_ e: ScriptExport) -> String {
        if e.outputUnits == 1 {
            return #"""
                def correct_count(output, target):
                    """gradlab's (and Keras') accuracy: output > 0.5 against the target."""
                    return int(((output[:, 0] > 0.5).long() == target.long()).sum())
                """#
        }
        return #"""
            def correct_count(output, target):
                """gradlab's (and Keras') accuracy: the arg-max class against the target."""
                return int((output.argmax(dim=1) == target).sum())
            """#
    }

    // MARK: kernel regularizers and constraints

    /// `penalty(model)`: the trainable kernels' regularizers.
    static func penalty(_ modules: [Module]) -> String {
        var terms: [String] = []
        for case (let r, let d)? in modules.map(\.kernel) {
            for (reg, v) in [(d.kernel.regularizer, "weight"), (d.bias?.regularizer, "bias")] {
                guard let reg else { continue }
                if reg.l1 != 0 { terms.append("\(reg.l1.py) * \(r).\(v).abs().sum()") }
                if reg.l2 != 0 { terms.append("\(reg.l2.py) * \(r).\(v).pow(2).sum()") }
            }
        }
        return #"""
            def penalty(model):
                """Kernel and bias regularizers added to the loss: l1·Σ|w| + l2·Σw² (Keras' l2 has no ½)."""
                return \#(terms.isEmpty ? "torch.zeros(())" : terms.joined(separator: " + "))
            """#
    }

    /// `activity_penalty(model)`, when a layer has an activity regularizer: on
    /// the outputs `keep_output` kept from the last forward pass, summed over
    /// the batch and divided by its size, as Keras 3's `Layer.__call__`
    /// (frozen layers too: Keras adds them whatever the layer's `trainable`).
    static func activityPenalty(_ modules: [Module]) -> String? {
        var terms: [String] = []
        for case (let r, let reg)? in modules.map(\.activity) {
            var sum: [String] = []
            if reg.l1 != 0 { sum.append("\(reg.l1.py) * \(r).last_output.abs().sum()") }
            if reg.l2 != 0 { sum.append("\(reg.l2.py) * \(r).last_output.pow(2).sum()") }
            terms.append("(" + sum.joined(separator: " + ") + ") / len(\(r).last_output)")
        }
        guard !terms.isEmpty else { return nil }
        return #"""
            def activity_penalty(model):
                """Activity regularizers on the last forward pass's outputs, as Keras 3 adds them to the
                loss: l1·Σ|y| + l2·Σy² over the batch, divided by the batch size."""
                return \#(terms.joined(separator: " + "))
            """#
    }

    /// `apply_constraints(model)`: the trainable kernels' constraints, one case per kind.
    static func constraints(_ modules: [Module]) -> String {
        var body: [String] = []
        for case (let r, let d)? in modules.map(\.kernel) {
            switch d.kernel.constraint {
            case .maxNorm(let v, let axis)?:
                // nn.Linear's weight is the Keras kernel transposed: Keras axis 0 is torch dim 1.
                body.append(
                    """
                    # max_norm(\(v.py), axis=\(axis)): \(axis == 0 ? "each unit's incoming weights (a row of nn.Linear's weight)" : "each input's outgoing weights (a column of nn.Linear's weight)") to norm <= \(v.py)
                    norm = \(r).weight.norm(dim=\(1 - axis), keepdim=True)
                    \(r).weight.mul_(norm.clamp(0, \(v.py)) / (1e-7 + norm))
                    """)
            case .unitNorm(let axis)?:
                body.append(
                    """
                    # unit_norm(axis=\(axis))
                    \(r).weight.div_(1e-7 + \(r).weight.norm(dim=\(1 - axis), keepdim=True))
                    """)
            case .nonNeg?: body.append("\(r).weight.clamp_(min=0)  # non_neg")
            case nil: break
            }
        }
        var w = PythonWriter()
        w.write(
            #"""
            @torch.no_grad()
            def apply_constraints(model):
                """Kernel constraints, after each step as in Keras."""
            """#)
        w.indented { $0.write(lines: body.isEmpty ? ["pass"] : body) }
        return String(w.text.dropLast())
    }

    // MARK: clipping and schedules, one case per kind

    /// `clip_gradients(params)`: Keras' clipnorm, global_clipnorm or clipvalue.
    static func clipGradients(_ c: Clipping) -> String {
        if let v = c.clipNorm {
            return #"""
                def clip_gradients(params):
                    """clipnorm=\#(v.py): each gradient tensor rescaled to L2 norm <= \#(v.py), as Keras."""
                    for p in params:
                        norm = p.grad.norm()
                        if norm > \#(v.py):
                            p.grad.mul_(\#(v.py) / norm)
                """#
        }
        if let v = c.globalClipNorm {
            return #"""
                def clip_gradients(params):
                    """global_clipnorm=\#(v.py): all gradients rescaled together to joint norm <= \#(v.py)."""
                    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
                    if norm > \#(v.py):
                        for p in params:
                            p.grad.mul_(\#(v.py) / norm)
                """#
        }
        if let v = c.clipValue {
            return #"""
                def clip_gradients(params):
                    """clipvalue=\#(v.py): each gradient element clipped to [-\#(v.py), \#(v.py)]."""
                    for p in params:
                        p.grad.clamp_(-\#(v.py), \#(v.py))
                """#
        }
        return #"""
            def clip_gradients(params):
                """No gradient clipping was compiled."""
                pass
            """#
    }

    /// The body of `learning_rate_at(step, base)`: Keras' formula for the schedule.
    static func learningRate(_ schedule: LearningRateSchedule?) -> String {
        guard let s = schedule else {
            return #"""
                """A constant rate (ReduceLROnPlateau may lower `base`)."""
                return base
                """#
        }
        let doc = #""""gradlab's \#(s.description), Keras' formula, at optimizer step `step`.""""#
        switch s {
        case .power(let lr, let ds, let dr, let st):
            return doc + "\n" + (st == true
                ? "return \(lr.py) / (1 + \(dr.py) * math.floor(step / \(ds.py)))  # InverseTimeDecay(staircase=True)"
                : "return \(lr.py) / (1 + \(dr.py) * step / \(ds.py))  # InverseTimeDecay")
        case .exponential(let lr, let ds, let dr, let staircase):
            return doc + "\n"
                + (staircase
                    ? "return \(lr.py) * \(dr.py) ** math.floor(step / \(ds.py))  # ExponentialDecay(staircase=True)"
                    : "return \(lr.py) * \(dr.py) ** (step / \(ds.py))  # ExponentialDecay")
        case .piecewise(let b, let v):
            return doc + "\n" + """
                boundaries, values = \(b.py), \(v.py)  # PiecewiseConstantDecay
                for boundary, value in zip(boundaries, values):
                    if step <= boundary:
                        return value
                return values[-1]
                """
        case .oneCycle(let mx, let total, let startRate, let lastRate, let lastSteps):
            let start = startRate.map(\.py) ?? "top / 10"
            return doc + "\n" + """
                top, total = \(mx.py), \(total)  # the book's OneCycleScheduler
                start = \(start)
                last = \(lastRate.map(\.py) ?? "start / 1000")
                half = (total - \(lastSteps.map(String.init) ?? "(total // 10 + 1)")) // 2
                if step < half:
                    return (top - start) * step / half + start
                if step < 2 * half:
                    return (start - top) * (step - half) / half + top
                if step >= total:
                    return last
                return (last - start) * (step - 2 * half) / (total - 2 * half) + start
                """
        case .cosine(let lr, let ds, let a, let target, let ws):
            let decay = """
                def decay(t, rate):
                    return rate * ((1 - \(a.py)) * 0.5 * (1 + math.cos(math.pi * t / \(ds.py))) + \(a.py))
                """
            guard let target else { return doc + "\n" + decay + "\nreturn decay(min(step, \(ds.py)), \(lr.py))  # CosineDecay" }
            return doc + "\n" + decay + "\n" + """
                t = min(step, \(ds.py) + \(ws.py))  # CosineDecay with a linear warm-up
                if t < \(ws.py):
                    return (\(target.py) - \(lr.py)) * t / \(ws.py) + \(lr.py)
                return decay(t - \(ws.py), \(target.py))
                """
        case .cosineRestarts(let lr, let f, let t, let m, let a):
            return doc + "\n" + """
                fraction, t_mul = step / \(f.py), \(t.py)  # CosineDecayRestarts
                if t_mul == 1:
                    restart = math.floor(fraction)
                    fraction -= restart
                else:
                    restart = math.floor(math.log(1 - fraction * (1 - t_mul)) / math.log(t_mul))
                    fraction = (fraction - (1 - t_mul ** restart) / (1 - t_mul)) / t_mul ** restart
                decayed = 0.5 * \(m.py) ** restart * (1 + math.cos(math.pi * fraction))
                return \(lr.py) * ((1 - \(a.py)) * decayed + \(a.py))
                """
        case .polynomial(let lr, let ds, let e, let p, let c):
            return doc + "\n" + """
                t, steps = step, \(ds.py)  # PolynomialDecay
                if \(c.py):
                    steps *= 1 if t == 0 else math.ceil(t / steps)
                else:
                    t = min(t, steps)
                return (\(lr.py) - \(e.py)) * (1 - t / steps) ** \(p.py) + \(e.py)
                """
        }
    }

    // MARK: optimizers, one emitter per kind

    /// A `torch.optim.Optimizer` subclass with Keras' update rule.
    struct KerasOptimizer {
        var name: String
        /// The class docstring (Keras' formula).
        var doc: String
        /// Constructor keywords and gradlab's values.
        var settings: [(String, String)]
        /// Lines of `step` before the loop over parameters (level 2).
        var beforeLoop = ""
        /// The update of one parameter `p` with gradient `g` and its `state` (level 3).
        var update: String
        /// Extra state set in `__init__`.
        var extraState: String? = nil
    }

    static func kerasOptimizer(_ rule: any OptimizerRule) -> KerasOptimizer {
        switch rule {
        case let r as SGD: return sgd(momentum: r.momentum, nesterov: r.nesterov)
        case let r as Adagrad: return adagrad(initialAccumulator: r.initialAccumulatorValue, epsilon: r.epsilon)
        case let r as RMSprop: return rmsprop(rho: r.rho, momentum: r.momentum, epsilon: r.epsilon)
        case let r as Adam: return adam(beta1: r.beta1, beta2: r.beta2, epsilon: r.epsilon)
        case let r as AdamW: return adam(beta1: r.adam.beta1, beta2: r.adam.beta2, epsilon: r.adam.epsilon)
        case let r as Adamax: return adamax(beta1: r.beta1, beta2: r.beta2, epsilon: r.epsilon)
        case let r as Nadam: return nadam(beta1: r.beta1, beta2: r.beta2, epsilon: r.epsilon)
        default:
            // A rule with no PyTorch emitter yet: the script says so when it would step.
            let cls = type(of: rule).kerasClassName
            return KerasOptimizer(
                name: "Keras\(cls)", doc: "Keras' \(cls): gradlab has no PyTorch version of this rule yet.",
                settings: [], update: "raise NotImplementedError(\"\(rule.name) has no PyTorch export\")")
        }
    }

    static func sgd(momentum: Float, nesterov: Bool) -> KerasOptimizer {
        KerasOptimizer(
            name: "KerasSGD",
            doc: """
                Keras' SGD: m = momentum·m − lr·g; w += (momentum·m − lr·g if nesterov else m).
                (torch.optim.SGD accumulates m = momentum·m + g and steps lr·m: equal only at a constant rate.)
                """,
            settings: [("momentum", momentum.py), ("nesterov", nesterov.py)],
            update: #"""
                if self.momentum == 0:
                    p.add_(g, alpha=-lr)
                    continue
                m = state.setdefault("m", torch.zeros_like(p))
                m.mul_(self.momentum).add_(g, alpha=-lr)
                p.add_(self.momentum * m - lr * g if self.nesterov else m)
                """#)
    }

    static func adagrad(initialAccumulator: Float, epsilon: Float) -> KerasOptimizer {
        KerasOptimizer(
            name: "KerasAdagrad",
            doc: "Keras' Adagrad: acc += g²; w −= lr·g / sqrt(acc + ε) (ε inside the root).",
            settings: [("initial_accumulator_value", initialAccumulator.py), ("epsilon", epsilon.py)],
            update: #"""
                acc = state.setdefault("acc", torch.full_like(p, self.initial_accumulator_value))
                acc.add_(g * g)
                p.sub_(lr * g / torch.sqrt(acc + self.epsilon))
                """#)
    }

    static func rmsprop(rho: Float, momentum: Float, epsilon: Float) -> KerasOptimizer {
        KerasOptimizer(
            name: "KerasRMSprop",
            doc: """
                Keras' RMSprop: v = ρ·v + (1−ρ)·g²; step = lr·g / sqrt(v + ε) (ε inside the root);
                with momentum m = momentum·m + step; w −= m.
                """,
            settings: [("rho", rho.py), ("momentum", momentum.py), ("epsilon", epsilon.py)],
            update: #"""
                v = state.setdefault("v", torch.zeros_like(p))
                v.mul_(self.rho).add_((1 - self.rho) * g * g)
                increment = lr * g / torch.sqrt(v + self.epsilon)
                if self.momentum > 0:
                    m = state.setdefault("m", torch.zeros_like(p))
                    m.mul_(self.momentum).add_(increment)
                    p.sub_(m)
                else:
                    p.sub_(increment)
                """#)
    }

    static func adam(beta1: Float, beta2: Float, epsilon: Float) -> KerasOptimizer {
        KerasOptimizer(
            name: "KerasAdam",
            doc: """
                Keras' Adam: α = lr·sqrt(1−β₂ᵗ)/(1−β₁ᵗ); w −= α·m / (sqrt(v) + ε).
                (torch.optim.Adam puts ε after the bias correction of v: a slightly different rule.)
                """,
            settings: [("beta_1", beta1.py), ("beta_2", beta2.py), ("epsilon", epsilon.py)],
            beforeLoop: "alpha = lr * math.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)",
            update: #"""
                m = state.setdefault("m", torch.zeros_like(p))
                v = state.setdefault("v", torch.zeros_like(p))
                m.add_((g - m) * (1 - self.beta_1))
                v.add_((g * g - v) * (1 - self.beta_2))
                p.sub_(alpha * m / (torch.sqrt(v) + self.epsilon))
                """#)
    }

    static func adamax(beta1: Float, beta2: Float, epsilon: Float) -> KerasOptimizer {
        KerasOptimizer(
            name: "KerasAdamax",
            doc: "Keras' Adamax: m += (g−m)(1−β₁); u = max(β₂·u, |g|); w −= lr·m / ((1−β₁ᵗ)(u + ε)).",
            settings: [("beta_1", beta1.py), ("beta_2", beta2.py), ("epsilon", epsilon.py)],
            update: #"""
                m = state.setdefault("m", torch.zeros_like(p))
                u = state.setdefault("u", torch.zeros_like(p))
                m.add_((g - m) * (1 - self.beta_1))
                torch.maximum(self.beta_2 * u, g.abs(), out=u)
                p.sub_(lr * m / ((1 - self.beta_1 ** t) * (u + self.epsilon)))
                """#)
    }

    static func nadam(beta1: Float, beta2: Float, epsilon: Float) -> KerasOptimizer {
        KerasOptimizer(
            name: "KerasNadam",
            doc: """
                Keras 3's Nadam: uₜ = β₁(1 − ½·0.96ᵗ); m̂ = uₜ₊₁·m/(1 − Πu·uₜ₊₁) + (1 − uₜ)·g/(1 − Πu);
                v̂ = v/(1 − β₂ᵗ); w −= lr·m̂ / (sqrt(v̂) + ε).
                """,
            settings: [("beta_1", beta1.py), ("beta_2", beta2.py), ("epsilon", epsilon.py)],
            beforeLoop: #"""
                u_t = self.beta_1 * (1 - 0.5 * 0.96 ** t)
                u_next = self.beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
                self.u_product *= u_t
                u_product_next = self.u_product * u_next
                beta_2_power = self.beta_2 ** t
                """#,
            update: #"""
                m = state.setdefault("m", torch.zeros_like(p))
                v = state.setdefault("v", torch.zeros_like(p))
                m.add_((g - m) * (1 - self.beta_1))
                v.add_((g * g - v) * (1 - self.beta_2))
                m_hat = u_next * m / (1 - u_product_next) + (1 - u_t) * g / (1 - self.u_product)
                v_hat = v / (1 - beta_2_power)
                p.sub_(lr * m_hat / (torch.sqrt(v_hat) + self.epsilon))
                """#,
            extraState: "self.u_product = 1.0")
    }

    /// The optimizer's class and `make_optimizer(model)`.
    static func writeOptimizer(_ w: inout PythonWriter, _ o: Optimizer) {
        let k = kerasOptimizer(o.rule)
        let keywords = k.settings.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
        w.write("class \(k.name)(torch.optim.Optimizer):")
        w.indented { w in
            w.write(#""""\#(k.doc)""""#)
            w.blank()
            w.write("def __init__(self, params, learning_rate, \(keywords)):")
            w.indented { w in
                w.write("super().__init__(params, dict(lr=learning_rate))")
                for (key, _) in k.settings { w.write("self.\(key) = \(key)") }
                w.write("self.iterations = 0")
                if let s = k.extraState { w.write(s) }
            }
            w.write(
                #"""

                @torch.no_grad()
                def step(self):
                    params = [p for group in self.param_groups for p in group["params"] if p.grad is not None]
                    clip_gradients(params)
                    lr = learning_rate_at(self.iterations, self.param_groups[0]["lr"])
                    t = self.iterations + 1
                """#)
            w.indented { w in
                if let wd = o.weightDecay, wd != 0 {
                    w.write("# Keras' weight_decay, before the step, for every variable: w - w * wd * lr")
                    w.write("for p in params:\n    p.sub_(p * \(wd.py) * lr)")
                }
                if !k.beforeLoop.isEmpty { w.write(k.beforeLoop) }
                w.write("for p in params:\n    g, state = p.grad, self.state[p]")
                w.indented { $0.write(k.update) }
                w.write("self.iterations += 1")
            }
        }
        let base = o.schedule.map { $0.rate(at: 0) } ?? o.learningRate
        w.write(
            #"""


            def make_optimizer(model):
                trainable = [p for p in model.parameters() if p.requires_grad]
                return \#(k.name)(trainable, learning_rate=\#(base.py), \#(keywords))
            """#)
    }

    // MARK: callbacks, one emitter per kind

    /// The constructor call of a `fit` callback.
    static func callback(_ c: ScriptExport.Callback) -> String {
        switch c {
        case .earlyStopping(let mon, let pat, let restore):
            return "EarlyStopping(monitor=\(mon.py), patience=\(pat), restore_best_weights=\(restore.py))"
        case .reduceLROnPlateau(let mon, let factor, let pat, let minLR):
            return "ReduceLROnPlateau(monitor=\(mon.py), factor=\(factor.py), patience=\(pat), min_lr=\(minLR.py))"
        case .modelCheckpoint(let path, let mon, let best):
            return "ModelCheckpoint(\((path + ".pt").py), monitor=\(mon.py), save_best_only=\(best.py))"
        case .learningRateScheduler(let python, let verbose):
            return "LearningRateScheduler(lambda epoch, lr: \(python), verbose=\(verbose ? 1 : 0))"
        }
    }

    /// The callback classes the fits use, after their common base.
    static func writeCallbackClasses(_ w: inout PythonWriter, _ e: ScriptExport) {
        let used = e.fits.flatMap(\.callbacks).map(CallbackClass.init)
        guard !used.isEmpty else { return }
        w.blank(2)
        w.write(
            #"""
            class Callback:
                stop = False

                def begin(self, model):
                    pass

                def epoch_begin(self, model, optimizer, epoch):
                    pass

                def epoch_end(self, model, optimizer, logs):
                    pass

                def end(self, model):
                    pass


            def improved(monitor, value, best):
                return best is None or (value < best if monitor.endswith("loss") else value > best)
            """#)
        for c in CallbackClass.allCases where used.contains(c) {
            w.blank(2)
            w.write(c.source)
        }
    }

    /// A callback class of the script, in this order.
    enum CallbackClass: CaseIterable {
        case earlyStopping, reduceLROnPlateau, modelCheckpoint, learningRateScheduler

        init(_ c: ScriptExport.Callback) {
            switch c {
            case .earlyStopping: self = .earlyStopping
            case .reduceLROnPlateau: self = .reduceLROnPlateau
            case .modelCheckpoint: self = .modelCheckpoint
            case .learningRateScheduler: self = .learningRateScheduler
            }
        }

        var source: String {
            switch self {
            case .learningRateScheduler:
                return #"""
                    class LearningRateScheduler(Callback):
                        """Keras' LearningRateScheduler: the rate becomes schedule(epoch, lr) before each epoch
                        (epoch from 0 in this fit), kept as a float32 as Keras keeps it."""

                        def __init__(self, schedule, verbose=0):
                            self.schedule, self.verbose = schedule, verbose

                        def epoch_begin(self, model, optimizer, epoch):
                            lr = float(np.float32(self.schedule(epoch, optimizer.param_groups[0]["lr"])))
                            for group in optimizer.param_groups:
                                group["lr"] = lr
                            if self.verbose:
                                print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")
                    """#
            case .earlyStopping:
                return #"""
                    class EarlyStopping(Callback):
                        """Keras' EarlyStopping (min_delta=0)."""

                        def __init__(self, monitor="val_loss", patience=0, restore_best_weights=False):
                            self.monitor, self.patience, self.restore_best_weights = monitor, patience, restore_best_weights

                        def begin(self, model):
                            self.best, self.wait, self.stop, self.best_state = None, 0, False, None

                        def epoch_end(self, model, optimizer, logs):
                            value = logs.get(self.monitor, logs.get(self.monitor.replace("val_", "")))
                            if improved(self.monitor, value, self.best):
                                self.best, self.wait = value, 0
                                if self.restore_best_weights:
                                    self.best_state = copy.deepcopy(model.state_dict())
                                return
                            self.wait += 1
                            if self.wait >= self.patience:
                                self.stop = True
                                print(f"early stopping: {self.monitor} has not improved for {self.patience} epoch(s)")

                        def end(self, model):
                            if self.restore_best_weights and self.best_state is not None:
                                model.load_state_dict(self.best_state)
                    """#
            case .reduceLROnPlateau:
                return #"""
                    class ReduceLROnPlateau(Callback):
                        """Keras' ReduceLROnPlateau (min_delta=0, cooldown=0)."""

                        def __init__(self, monitor="val_loss", factor=0.1, patience=10, min_lr=0.0):
                            self.monitor, self.factor, self.patience, self.min_lr = monitor, factor, patience, min_lr

                        def begin(self, model):
                            self.best, self.wait = None, 0

                        def epoch_end(self, model, optimizer, logs):
                            value = logs.get(self.monitor, logs.get(self.monitor.replace("val_", "")))
                            if improved(self.monitor, value, self.best):
                                self.best, self.wait = value, 0
                                return
                            self.wait += 1
                            if self.wait >= self.patience:
                                self.wait = 0
                                for group in optimizer.param_groups:
                                    group["lr"] = max(self.min_lr, group["lr"] * self.factor)
                    """#
            case .modelCheckpoint:
                return #"""
                    class ModelCheckpoint(Callback):
                        """Keras' ModelCheckpoint: saves the state_dict when the monitored value improves."""

                        def __init__(self, path, monitor="val_loss", save_best_only=True):
                            self.path, self.monitor, self.save_best_only = path, monitor, save_best_only

                        def begin(self, model):
                            self.best = None

                        def epoch_end(self, model, optimizer, logs):
                            value = logs.get(self.monitor, logs.get(self.monitor.replace("val_", "")))
                            if self.save_best_only and not improved(self.monitor, value, self.best):
                                return
                            self.best = value
                            torch.save(model.state_dict(), self.path)
                    """#
            }
        }
    }
}
