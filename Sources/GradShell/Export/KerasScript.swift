import Foundation
import GradNN

/// `export keras PATH.py`: a self-contained Keras 3 script for the session's
/// model — layers, compile, fit, the data and the trained weights.
///
/// `render` writes the sections in script order; below it, one emitter per
/// component kind (layers, optimizers, schedules, callbacks), each giving the
/// Keras expression for it. A new component is a case in its kind's switch,
/// plus a `Helper` when Keras lacks the class.
enum KerasScript {
    static func render(_ e: ScriptExport) throws -> String {
        try e.validate(for: "Keras")
        var w = PythonWriter()
        e.writeHeader(
            &w, framework: "Keras 3", needs: "pip install keras jax safetensors numpy",
            saveExample: "model.keras", saveFormat: "Keras' own format",
            scaling: #"""
                Any Keras 3 backend runs it (KERAS_BACKEND=jax, tensorflow or torch). On a GPU
                or TPU nothing changes; across devices or hosts see keras.distribution
                (JAX: DataParallel / ModelParallel) or tf.distribute.
                """#)
        w.write(
            #"""
            import argparse
            import gzip
            import math
            import os

            os.environ.setdefault("KERAS_BACKEND", "jax")

            import numpy as np
            import keras
            import safetensors.numpy
            from keras import layers, ops
            """#)
        e.writeConstants(&w)
        e.writeData(&w)
        w.blank(2)
        w.write(preparedData(e))
        for helper in Helper.allCases where helper.isUsed(by: e) {
            w.blank(2)
            w.write(helper.source)
        }
        try writeModel(&w, e)
        writeCompile(&w, e)
        writeWeights(&w, e)
        writeTraining(&w, e)
        writeMain(&w, e)
        return w.text
    }

    // MARK: sections

    /// `prepared_data()`: the targets as the Keras loss wants them, wrapping `load_data`.
    static func preparedData(_ e: ScriptExport) -> String {
        switch e.targets {
        case .indices:
            return #"""
                def prepared_data():
                    """Class indices are what sparse_categorical_crossentropy takes."""
                    return load_data()
                """#
        case .oneHot:
            return #"""
                def prepared_data():
                    """\#(e.loss.rawValue) compares one-hot rows (gradlab one-hot encodes on the fly)."""
                    eye = np.eye(\#(e.classCount), dtype=np.float32)
                    return {k: (x, eye[y]) for k, (x, y) in load_data().items()}
                """#
        case .column:
            return #"""
                def prepared_data():
                    """One target per sample, as a column for the single output unit."""
                    return {k: (x, y.astype(np.float32).reshape(-1, 1)) for k, (x, y) in load_data().items()}
                """#
        }
    }

    /// `build_model()`: one `model.add` per layer, then the frozen layers.
    static func writeModel(_ w: inout PythonWriter, _ e: ScriptExport) throws {
        let m = e.model
        w.section("model")
        w.write(
            #"""
            def build_model():
                # gradlab: \#(e.modelCommand)
                model = keras.Sequential(name="sequential")
                model.add(keras.Input(shape=\#(PythonWriter.tuple(m.inputShape ?? e.sampleShape))))
            """#)
        try w.indented { w in
            for l in m.layers {
                w.write("# gradlab: \(ScriptExport.command(for: l))")
                w.write("model.add(\(try layer(l)))")
            }
            for (i, l) in m.layers.enumerated() where l.isFrozen {
                let note =
                    l is BatchNormalization
                    ? "  (a frozen BatchNormalization runs in inference mode, in Keras 3 as in gradlab)" : ""
                w.write("# gradlab: set trainable \(i) false" + note)
                w.write("model.get_layer(\(l.name.py)).trainable = False")
            }
            w.write("return model")
        }
    }

    /// `compile_model(model)`: the optimizer, the loss and gradlab's accuracy.
    static func writeCompile(_ w: inout PythonWriter, _ e: ScriptExport) {
        w.blank(2)
        let metric: String
        switch e.targets {
        case .indices: metric = #"keras.metrics.SparseCategoricalAccuracy(name="accuracy")"#
        case .oneHot: metric = #"keras.metrics.CategoricalAccuracy(name="accuracy")"#
        case .column where e.classCount > 0: metric = #"keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.5)"#
        case .column:
            metric = #"keras.metrics.MeanMetricWrapper(threshold_accuracy, name="accuracy")"#
            w.write(
                #"""
                def threshold_accuracy(y_true, y_pred):
                    """gradlab's accuracy for one output unit: (output > 0.5) equals the target's integer part."""
                    return ops.cast(ops.equal(ops.cast(y_pred > 0.5, "int32"), ops.cast(y_true, "int32")), "float32")
                """#)
            w.blank(2)
        }
        w.write(PythonWriter.ruler("compile"))
        w.write(
            #"""
            def compile_model(model):
                # gradlab: \#(e.compileCommand)
                optimizer = \#(optimizer(e.optimizer))
                model.compile(loss=\#(e.loss.rawValue.py), optimizer=optimizer, metrics=[\#(metric)])
            """#)
    }

    /// `load_weights(model)`: gradlab's variables, matched by `layer/variable` name.
    static func writeWeights(_ w: inout PythonWriter, _ e: ScriptExport) {
        let prefix =
            e.model.layers.contains { $0 is Residual }
            ? "layer.dense.name if isinstance(layer, Residual) else layer.name" : "layer.name"
        w.section("trained weights")
        w.write(
            #"""
            def load_weights(model, path=WEIGHTS):
                """Assigns gradlab's trained variables, matched by `layer/variable` name."""
                weights = safetensors.numpy.load_file(path)
                for layer in model.layers:
                    prefix = \#(prefix)
                    for v in layer.weights:
                        v.assign(weights.pop(f"{prefix}/{v.name}"))
                if weights:
                    raise ValueError(f"{path} holds tensors no layer uses: {sorted(weights)}")
            """#)
    }

    /// `train(model, data)`: one `model.fit` per gradlab `fit`.
    static func writeTraining(_ w: inout PythonWriter, _ e: ScriptExport) {
        w.section("training")
        w.write(
            #"""
            def train(model, data):
                x, y = data["train"]
            """#)
        let validation = e.splits.contains("validation") ? #", validation_data=data["validation"]"# : ""
        w.indented { w in
            for f in e.fits {
                w.write("# gradlab: \(f.command)")
                var callbacks: [String] = []
                for c in f.callbacks {
                    switch callback(c, schedule: e.optimizer.schedule) {
                    case .expression(let x): callbacks.append(x)
                    case .leftOut(let why): w.write(why)
                    }
                }
                var call =
                    "model.fit(x, y, epochs=\(f.epochs), batch_size=\(f.batchSize), shuffle=\(f.shuffle.py), verbose=2"
                call += validation
                if !callbacks.isEmpty {
                    call += ",\n          callbacks=[" + callbacks.joined(separator: ",\n                     ") + "]"
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
            &w, save: "after evaluating, save the model in Keras' format (FILE.keras: keras.saving.load_model reads it)"
        )
        w.write(
            #"""
                data = prepared_data()
                # gradlab: seed \#(e.seed)  (Keras draws its own random numbers: --train starts from
                # other initial weights than gradlab did, with the same initializers)
                keras.utils.set_random_seed(SEED)
                model = build_model()
                compile_model(model)
                if args.train:
                    if args.init:
                        load_weights(model, args.init)
                    train(model, data)
                else:
                    load_weights(model, args.weights)
                # gradlab: evaluate \#(e.evaluationSplit)
                x, y = data[args.split]
                result = model.evaluate(x, y, batch_size=500, verbose=0, return_dict=True)
            \#(e.evaluateLine(loss: "result['loss']", accuracy: "result['accuracy']"))
                if args.predictions:
                    np.save(args.predictions, np.asarray(model.predict(x, batch_size=500, verbose=0), dtype=np.float32))
                if args.save:
                    model.save(args.save)
            """#)
        w.write(ScriptExport.entryPoint)
    }

    // MARK: layers, one emitter per kind

    /// The Keras layer for a gradlab layer, named as in gradlab: its spec's
    /// Keras class, the positional setting first, then every setting that
    /// differs from Keras' own default, under Keras' key names.
    static func layer(_ l: Layer) throws -> String {
        let spec = l.spec, values = l.settings
        var args: [String] = []
        for k in spec.keys {
            guard let v = values[k.name], k.positional || v != k.kerasDefault else { continue }
            args.append(k.positional ? value(v) : "\(k.kerasName)=\(value(v))")
        }
        args.append("name=\(l.name.py)")
        return (spec.isKerasBuiltIn ? "layers." : "") + spec.kerasClass + "(" + args.joined(separator: ", ") + ")"
    }

    /// A layer setting as a Python expression Keras accepts.
    static func value(_ v: LayerValue) -> String {
        switch v {
        case .int(let i): return String(i)
        case .float(let f): return f.py
        case .bool(let b): return b.py
        case .activation(let a): return activation(a)
        case .initializer(let i): return initializer(i)
        case .regularizer(let r): return regularizer(r)
        case .constraint(let c): return constraint(c)
        }
    }

    static func activation(_ a: Activation) -> String {
        switch a {
        case .leakyRelu(let al) where al != 0.2:
            return "lambda x: keras.activations.leaky_relu(x, negative_slope=\(al.py))"
        case .elu(let al) where al != 1: return "lambda x: keras.activations.elu(x, alpha=\(al.py))"
        case .celu(let al) where al != 1: return "lambda x: keras.activations.celu(x, alpha=\(al.py))"
        case .gelu(true): return "lambda x: keras.activations.gelu(x, approximate=True)"
        default: return a.baseName.py
        }
    }

    static func initializer(_ i: Initializer) -> String {
        switch i {
        case .zeros: return #""zeros""#
        case .ones: return #""ones""#
        case .constant(let v): return "keras.initializers.Constant(\(v.py))"
        case .randomNormal(let m, let s): return "keras.initializers.RandomNormal(mean=\(m.py), stddev=\(s.py))"
        case .randomUniform(let a, let b): return "keras.initializers.RandomUniform(minval=\(a.py), maxval=\(b.py))"
        case .truncatedNormal(let m, let s): return "keras.initializers.TruncatedNormal(mean=\(m.py), stddev=\(s.py))"
        case .varianceScaling(let scale, let mode, let dist, let name):
            if let name { return name.py }
            return
                "keras.initializers.VarianceScaling(scale=\(scale.py), mode=\(mode.rawValue.py), distribution=\(dist.rawValue.py))"
        case .orthogonal(let g): return g == 1 ? #""orthogonal""# : "keras.initializers.Orthogonal(gain=\(g.py))"
        case .identity(let g): return g == 1 ? #""identity""# : "keras.initializers.Identity(gain=\(g.py))"
        }
    }

    static func regularizer(_ r: Regularizer) -> String {
        if r.l1 != 0 && r.l2 != 0 { return "keras.regularizers.L1L2(l1=\(r.l1.py), l2=\(r.l2.py))" }
        if r.l1 != 0 { return "keras.regularizers.L1(\(r.l1.py))" }
        return "keras.regularizers.L2(\(r.l2.py))"
    }

    static func constraint(_ c: Constraint) -> String {
        switch c {
        case .maxNorm(let v, let axis): return "keras.constraints.MaxNorm(\(v.py), axis=\(axis))"
        case .unitNorm(let axis): return "keras.constraints.UnitNorm(axis=\(axis))"
        case .nonNeg: return "keras.constraints.NonNeg()"
        }
    }

    // MARK: optimizers and schedules, one case per kind

    /// `keras.optimizers.X(...)` with gradlab's settings, schedule and clipping.
    static func optimizer(_ o: Optimizer) -> String {
        // The rule's Keras class and keyword arguments come from the rule itself (its `keys`).
        call(type(of: o.rule).kerasClassName, o, o.rule.arguments.map { a -> (String, any PythonLiteral) in
            switch a.value {
            case .number(let x): return (a.name, x)
            case .flag(let b): return (a.name, b)
            }
        })
    }

    /// `keras.optimizers.<cls>(learning_rate=…, <settings>, <clipping>)`.
    private static func call(_ cls: String, _ o: Optimizer, _ settings: [(String, any PythonLiteral)]) -> String {
        var args =
            ["learning_rate=" + (o.schedule.map(schedule) ?? o.learningRate.py)]
            + settings.map { "\($0.0)=\($0.1.py)" }
        let c = o.clipping
        if let v = c.clipNorm { args.append("clipnorm=\(v.py)") }
        if let v = c.globalClipNorm { args.append("global_clipnorm=\(v.py)") }
        if let v = c.clipValue, c.clipNorm == nil, c.globalClipNorm == nil { args.append("clipvalue=\(v.py)") }
        // Keras' AdamW has 0.004 by default: the value is always written, and None for no decay.
        if let wd = o.weightDecay { args.append("weight_decay=\(wd.py)") } else if type(of: o.rule).defaultWeightDecay != nil { args.append("weight_decay=None") }
        return "keras.optimizers.\(cls)(" + args.joined(separator: ", ") + ")"
    }

    static func schedule(_ s: LearningRateSchedule) -> String {
        switch s {
        case .power(let lr, let ds, let dr, let st):
            return "keras.optimizers.schedules.InverseTimeDecay(\(lr.py), decay_steps=\(ds.py), decay_rate=\(dr.py)"
                + (st == true ? ", staircase=True)" : ")")
        case .exponential(let lr, let ds, let dr, let st):
            return
                "keras.optimizers.schedules.ExponentialDecay(\(lr.py), decay_steps=\(ds.py), decay_rate=\(dr.py), staircase=\(st.py))"
        case .piecewise(let b, let v):
            return "keras.optimizers.schedules.PiecewiseConstantDecay(boundaries=\(b.py), values=\(v.py))"
        case .oneCycle(let mx, let total, let start, let last, let lastSteps):
            return "OneCycle(max_rate=\(mx.py), total_steps=\(total)" + (start.map { ", start_rate=\($0.py)" } ?? "")
                + (last.map { ", last_rate=\($0.py)" } ?? "") + (lastSteps.map { ", last_steps=\($0)" } ?? "") + ")"
        case .cosine(let lr, let ds, let a, let target, let ws):
            return "keras.optimizers.schedules.CosineDecay(\(lr.py), decay_steps=\(ds.py), alpha=\(a.py)"
                + (target.map { ", warmup_target=\($0.py), warmup_steps=\(ws.py)" } ?? "") + ")"
        case .cosineRestarts(let lr, let f, let t, let m, let a):
            return "keras.optimizers.schedules.CosineDecayRestarts(\(lr.py), first_decay_steps=\(f.py), t_mul=\(t.py), m_mul=\(m.py), alpha=\(a.py))"
        case .polynomial(let lr, let ds, let e, let p, let c):
            return "keras.optimizers.schedules.PolynomialDecay(\(lr.py), decay_steps=\(ds.py), end_learning_rate=\(e.py), power=\(p.py), cycle=\(c.py))"
        }
    }

    // MARK: callbacks, one case per kind

    /// A callback as Keras takes it, or the comment saying why it is left out.
    enum Emitted {
        case expression(String)
        case leftOut(String)
    }

    static func callback(_ c: ScriptExport.Callback, schedule: LearningRateSchedule?) -> Emitted {
        switch c {
        case .earlyStopping(let mon, let pat, let restore):
            return .expression(
                "keras.callbacks.EarlyStopping(monitor=\(mon.py), patience=\(pat), restore_best_weights=\(restore.py))")
        case .reduceLROnPlateau where schedule != nil:
            return .leftOut(
                """
                # reduce_lr_on_plateau is left out: under a learning-rate schedule it has no effect in
                # gradlab (the schedule sets the rate) and Keras refuses the combination.
                """)
        case .reduceLROnPlateau(let mon, let factor, let pat, let minLR):
            return .expression(
                "keras.callbacks.ReduceLROnPlateau(monitor=\(mon.py), factor=\(factor.py), patience=\(pat), min_lr=\(minLR.py), min_delta=0)"
            )
        case .modelCheckpoint(let path, let mon, let best):
            return .expression(
                "keras.callbacks.ModelCheckpoint(\((path + ".keras").py), monitor=\(mon.py), save_best_only=\(best.py))"
            )
        case .learningRateScheduler(let python, let verbose):
            return .expression("keras.callbacks.LearningRateScheduler(lambda epoch, lr: \(python), verbose=\(verbose ? 1 : 0))")
        }
    }

    // MARK: classes Keras lacks

    /// A Python class the script defines when the model uses it, in this order.
    enum Helper: CaseIterable {
        case rrelu, residual, mcDropout, mcAlphaDropout, oneCycle

        func isUsed(by e: ScriptExport) -> Bool {
            switch self {
            case .rrelu: return e.model.layers.contains { $0 is RReLU }
            case .residual: return e.model.layers.contains { $0 is Residual }
            case .mcDropout: return e.model.layers.contains { $0 is MCDropout }
            case .mcAlphaDropout: return e.model.layers.contains { $0 is MCAlphaDropout }
            case .oneCycle: if case .oneCycle = e.optimizer.schedule { return true } else { return false }
            }
        }

        var source: String {
            switch self {
            case .rrelu:
                return #"""
                    @keras.saving.register_keras_serializable(package="gradlab")
                    class RReLU(layers.Layer):
                        """Randomized leaky ReLU (Xu et al. 2015; PyTorch's nn.RReLU), which Keras lacks:
                        in training each negative input gets a slope drawn from U(lower, upper), at
                        inference the mean slope (lower + upper) / 2."""

                        def __init__(self, lower=1 / 8, upper=1 / 3, seed=None, **kwargs):
                            super().__init__(**kwargs)
                            self.lower, self.upper = lower, upper
                            self.seed_generator = keras.random.SeedGenerator(seed)

                        def call(self, x, training=False):
                            if training:
                                slope = keras.random.uniform(ops.shape(x), self.lower, self.upper, seed=self.seed_generator)
                            else:
                                slope = (self.lower + self.upper) / 2
                            return ops.where(x >= 0, x, x * slope)

                        def get_config(self):
                            return {**super().get_config(), "lower": self.lower, "upper": self.upper}
                    """#
            case .residual:
                return #"""
                    @keras.saving.register_keras_serializable(package="gradlab")
                    class Residual(layers.Layer):
                        """gradlab's residual block y = x + dense(x) (He et al. 2016); the dense layer
                        keeps the input's width so the sum is defined."""

                        DENSE_KEYS = ("units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                                      "kernel_regularizer", "bias_regularizer", "kernel_constraint")

                        def __init__(self, units, dense_name=None, **kwargs):
                            dense_args = {k: kwargs.pop(k) for k in self.DENSE_KEYS[1:] if k in kwargs}
                            super().__init__(**kwargs)
                            self.dense = layers.Dense(units, name=dense_name or self.name + "_dense", **dense_args)

                        def build(self, input_shape):
                            self.dense.build(input_shape)

                        def call(self, x):
                            return x + self.dense(x)

                        def get_config(self):
                            dense = self.dense.get_config()
                            return {**super().get_config(), "dense_name": self.dense.name, **{k: dense[k] for k in self.DENSE_KEYS}}
                    """#
            case .mcDropout:
                return #"""
                    @keras.saving.register_keras_serializable(package="gradlab")
                    class MCDropout(layers.Dropout):
                        """The book's MCDropout: dropout that stays on at inference too (evaluate,
                        predict), so each call is one MC Dropout pass."""

                        def call(self, inputs, training=False):
                            return super().call(inputs, training=True)
                    """#
            case .mcAlphaDropout:
                return #"""
                    @keras.saving.register_keras_serializable(package="gradlab")
                    class MCAlphaDropout(layers.AlphaDropout):
                        """The book's MCAlphaDropout: alpha dropout that stays on at inference too."""

                        def call(self, inputs, training=False):
                            return super().call(inputs, training=True)
                    """#
            case .oneCycle:
                return #"""
                    class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
                        """gradlab's one_cycle: the book's OneCycleScheduler(iterations, max_lr, start_lr,
                        last_iterations, last_lr) as a schedule of the optimizer's step (Smith 2018): a linear
                        rise from start_rate (max_rate/10) to max_rate, the same fall, then a linear fall to
                        last_rate (start_rate/1000) over the last last_steps (total_steps//10 + 1) steps."""

                        def __init__(self, max_rate, total_steps, start_rate=None, last_rate=None, last_steps=None):
                            self.max_rate, self.total_steps = max_rate, total_steps
                            self.start_rate = start_rate if start_rate is not None else max_rate / 10
                            self.last_rate = last_rate if last_rate is not None else self.start_rate / 1000
                            self.last_steps = last_steps if last_steps is not None else total_steps // 10 + 1
                            self.half = (total_steps - self.last_steps) // 2

                        def __call__(self, step):
                            i = ops.cast(step, "float32")
                            h, top, start, last = self.half, self.max_rate, self.start_rate, self.last_rate
                            up = (top - start) * i / h + start
                            down = (start - top) * (i - h) / h + top
                            tail = (last - start) * (i - 2 * h) / (self.total_steps - 2 * h) + start
                            return ops.where(i < h, up, ops.where(i < 2 * h, down, ops.where(i >= self.total_steps, last, tail)))

                        def get_config(self):
                            return {"max_rate": self.max_rate, "total_steps": self.total_steps, "start_rate": self.start_rate,
                                    "last_rate": self.last_rate, "last_steps": self.last_steps}
                    """#
            }
        }
    }
}
