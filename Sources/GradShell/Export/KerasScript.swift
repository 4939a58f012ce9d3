import Foundation
import GradNN

/// What `export keras` and `export pytorch` need, gathered once from the
/// session (see `ExportCommand`): the model (built and compiled), where its
/// data comes from, and the gradlab commands that made them. Both script
/// generators are pure functions of this value; they write nothing.
struct ScriptExport {
    /// Where the script reads its samples.
    enum DataSource: Equatable {
        /// Fashion-MNIST's gz IDX files; the ranges index the 60,000 training
        /// and 10,000 test images (validation = the FIRST images, as the book).
        case fashionMNIST(directory: String, train: Range<Int>, validation: Range<Int>?, test: Range<Int>?)
        /// The exact samples gradlab used, written beside the script as
        /// safetensors: `x_train`, `y_train`, `x_validation`… (features before
        /// standardization, pixels already scaled to [0, 1]).
        case arrays(file: String)
    }

    /// A `fit` callback, as the session's `fit … callbacks=` gave it.
    enum Callback: Equatable {
        case earlyStopping(monitor: String, patience: Int, restoreBestWeights: Bool)
        case reduceLROnPlateau(monitor: String, factor: Float, patience: Int, minLR: Float)
        case modelCheckpoint(path: String, monitor: String, saveBestOnly: Bool)
    }

    /// One `fit` command.
    struct Fit: Equatable {
        var command: String
        var epochs: Int
        var batchSize: Int
        var shuffle: Bool
        var callbacks: [Callback]
    }

    var model: Sequential
    var source: DataSource
    var sampleShape: [Int]
    /// Number of classes; 0 for regression targets.
    var classCount: Int
    /// The splits present, among train, validation, test.
    var splits: [String]
    /// The split the script evaluates by default (test, else validation, else train).
    var evaluationSplit: String
    var standardized: Bool
    /// File name of the weights, beside the script.
    var weightsFile: String
    /// The script's own file name (for its usage text).
    var scriptFile: String
    var seed: UInt64
    var dataCommand: String
    var modelCommand: String
    var compileCommand: String
    var fits: [Fit]
    /// Things the reader should know (commands that were not replayed…).
    var notes: [String] = []

    // MARK: facts both scripts use

    var loss: Loss { model.loss ?? .sparseCategoricalCrossentropy }
    var optimizer: Optimizer { model.optimizer ?? Optimizer(rule: SGD()) }
    var outputUnits: Int { model.outputShape?.reduce(1, *) ?? 1 }

    /// How targets reach the loss: class indices, one-hot rows, or a column of values.
    enum Targets { case indices, oneHot, column }
    var targets: Targets {
        switch loss {
        case .sparseCategoricalCrossentropy: return .indices
        case .categoricalCrossentropy: return .oneHot
        case .binaryCrossentropy, .meanSquaredError: return outputUnits == 1 ? .column : .oneHot
        }
    }

    /// Checks what neither framework could reproduce; throws naming it.
    func validate(for framework: String) throws {
        guard model.isCompiled else { throw ShellError("export \(framework) needs a compiled model (the script compiles and evaluates it); run `compile` first") }
        if targets == .oneHot && classCount == 0 {
            throw ShellError("cannot export to \(framework): \(loss.rawValue) with \(outputUnits) output units needs class targets, but the data's targets are real values")
        }
        if loss == .sparseCategoricalCrossentropy || loss == .categoricalCrossentropy, classCount == 0 {
            throw ShellError("cannot export to \(framework): \(loss.rawValue) needs class targets, but the data's targets are real values")
        }
        var input = model.inputShape ?? sampleShape
        for (i, l) in model.layers.enumerated() {
            if let a = l as? ActivationLayer, a.activation == .softmax, input.count > 1 {
                throw ShellError("cannot export layer \(i) \(l.name) to \(framework): gradlab's softmax on a \(shapeText(input)) input normalizes over all \(input.reduce(1, *)) values, \(framework) over the last axis only; add flatten before it")
            }
            input = l.outputShape
            switch l {
            case is Dense, is Residual, is Flatten, is BatchNormalization, is Dropout, is AlphaDropout, is ActivationLayer, is PReLU, is RReLU: break
            default: throw ShellError("cannot export layer \(i) \(l.name) (\(l.typeName)) to \(framework): gradlab does not know its \(framework) equivalent yet")
            }
        }
    }

    // MARK: Python text

    /// A float literal that reads back as the same float32.
    static func py(_ x: Float) -> String {
        var s = "\(x)"
        if s == "inf" { s = "float('inf')" }
        return s
    }
    static func pyBool(_ b: Bool) -> String { b ? "True" : "False" }
    static func str(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
    static func tuple(_ s: [Int]) -> String { "(" + s.map(String.init).joined(separator: ", ") + (s.count == 1 ? ",)" : ")") }

    /// The gradlab command that makes a layer like this one.
    static func command(for layer: Layer) -> String {
        func dense(_ d: Dense) -> String {
            var s = "dense \(d.units)"
            if d.activation != .linear { s += " activation=\(d.activation.name)" }
            if d.kernelInitializer != Initializer.named("glorot_uniform")! { s += " kernel_initializer=\(d.kernelInitializer.name)" }
            if d.biasInitializer != .zeros { s += " bias_initializer=\(d.biasInitializer.name)" }
            if !d.useBias { s += " use_bias=false" }
            if let r = d.kernel?.regularizer { s += " kernel_regularizer=\(r.name)" }
            if let c = d.kernel?.constraint { s += " kernel_constraint=\(c.name)" }
            return s
        }
        switch layer {
        case let r as Residual: return "add residual " + dense(r.inner)
        case let d as Dense: return "add " + dense(d)
        case is Flatten: return "add flatten"
        case let b as BatchNormalization:
            var s = "add batchnorm"
            if b.momentum != 0.99 { s += " momentum=\(formatFloat(b.momentum))" }
            if b.epsilon != 0.001 { s += " epsilon=\(formatFloat(b.epsilon))" }
            if !b.center { s += " center=false" }
            if !b.scale { s += " scale=false" }
            return s
        case let d as Dropout: return "add dropout \(formatFloat(d.rate))"
        case let d as AlphaDropout: return "add alpha_dropout \(formatFloat(d.rate))"
        case let a as ActivationLayer:
            if a.typeName == "LeakyReLU", case .leakyRelu(let al) = a.activation { return "add leaky_relu alpha=\(formatFloat(al))" }
            return "add activation \(a.activation.name)"
        case is PReLU: return "add prelu"
        case let r as RReLU: return "add rrelu lower=\(formatFloat(r.lower)) upper=\(formatFloat(r.upper))"
        default: return "add \(layer.keyword)"
        }
    }

    /// The module docstring's shared lines.
    func header(framework: String, needs: String, saveExample: String, saveFormat: String, scaling: [String]) -> [String] {
        let c = model.counts
        var lines = [
            "#!/usr/bin/env python3",
            "\"\"\"gradlab's model (\(model.layers.count) layers, \(c.total.formatted) parameters) as a \(framework) script.",
            "",
            "Written by gradlab's `export`. Each section names the gradlab command it came",
            "from. The trained weights are in \(weightsFile), beside this file",
            "(safetensors, one float32 tensor per variable, named by its Keras path such as",
            "dense/kernel [in, out] or batch_normalization/moving_mean).",
            "",
            "    python \(scriptFile)                  # gradlab's trained weights, evaluated on the \(evaluationSplit) split",
            "    python \(scriptFile) --train          # train from scratch with the same settings, then evaluate",
            "    python \(scriptFile) --split \(splits.contains("validation") ? "validation" : "train") --predictions probabilities.npy",
            "    python \(scriptFile) --save \(saveExample)      # keep the model in \(saveFormat)",
            "",
            "Needs: \(needs)",
        ]
        lines += scaling
        if !notes.isEmpty {
            lines.append("")
            lines.append("Notes:")
            for n in notes { lines.append("  - " + n) }
        }
        lines.append("\"\"\"")
        return lines
    }

    /// `load_data()`: numpy only, the same in both scripts.
    func dataSection() -> [String] {
        var l: [String] = []
        l.append("# --- data " + String(repeating: "-", count: 68))
        l.append("# gradlab: \(dataCommand)")
        switch source {
        case .fashionMNIST(let dir, let train, let validation, let test):
            l += [
                "FASHION_MNIST = \(ScriptExport.str(dir))",
                "",
                "",
                "def load_idx(path):",
                "    \"\"\"An IDX file (Yann LeCun's MNIST format, gzipped) as a numpy array of bytes.\"\"\"",
                "    with gzip.open(path, \"rb\") as f:",
                "        data = f.read()",
                "    if data[:3] != b\"\\x00\\x00\\x08\":",
                "        raise ValueError(f\"{path} is not an IDX file of unsigned bytes\")",
                "    rank = data[3]",
                "    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], \"big\") for i in range(rank))",
                "    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(shape)",
                "",
                "",
                "def load_data():",
                "    \"\"\"The splits gradlab used, as {name: (features, targets)}.\"\"\"",
                "    X_train_full = load_idx(f\"{FASHION_MNIST}/train-images-idx3-ubyte.gz\")",
                "    y_train_full = load_idx(f\"{FASHION_MNIST}/train-labels-idx1-ubyte.gz\").astype(np.int64)",
                "    X_test = load_idx(f\"{FASHION_MNIST}/t10k-images-idx3-ubyte.gz\")",
                "    y_test = load_idx(f\"{FASHION_MNIST}/t10k-labels-idx1-ubyte.gz\").astype(np.int64)",
                "    # Pixels to [0, 1] exactly as gradlab scales them: x · float32(1/255).",
                "    X_train_full = X_train_full.astype(np.float32) * np.float32(1 / 255)",
                "    X_test = X_test.astype(np.float32) * np.float32(1 / 255)",
                "    # The validation set is the FIRST \(validation?.count ?? 0) training images (the book's",
                "    # X_valid, X_train = X_train_full[:5000], X_train_full[5000:]).",
                "    splits = {",
                "        \"train\": (X_train_full[\(train.lowerBound):\(train.upperBound)], y_train_full[\(train.lowerBound):\(train.upperBound)]),",
            ]
            if let v = validation { l.append("        \"validation\": (X_train_full[\(v.lowerBound):\(v.upperBound)], y_train_full[\(v.lowerBound):\(v.upperBound)]),") }
            if let t = test { l.append("        \"test\": (X_test[\(t.lowerBound):\(t.upperBound)], y_test[\(t.lowerBound):\(t.upperBound)]),") }
            l.append("    }")
        case .arrays(let file):
            l += [
                "DATA = os.path.join(HERE, \(ScriptExport.str(file)))",
                "",
                "",
                "def load_data():",
                "    \"\"\"The splits gradlab used, as {name: (features, targets)}: the exact samples,",
                "    saved beside this script by the export.\"\"\"",
                "    arrays = safetensors.numpy.load_file(DATA)",
                "    splits = {}",
                "    for name in (\"train\", \"validation\", \"test\"):",
                "        if f\"x_{name}\" in arrays:",
                "            y = arrays[f\"y_{name}\"]",
                "            splits[name] = (arrays[f\"x_{name}\"], \(classCount > 0 ? "y.astype(np.int64)" : "y"))",
            ]
        }
        if standardized {
            l += [
                "    # gradlab: standardize=true — each feature to mean 0, std 1 with statistics",
                "    # fitted on the training split (float64 sums, as gradlab).",
                "    x = splits[\"train\"][0].reshape(len(splits[\"train\"][0]), -1).astype(np.float64)",
                "    mean = x.sum(axis=0) / len(x)",
                "    var = np.maximum(0, (x * x).sum(axis=0) / len(x) - mean * mean)",
                "    inv_std = np.where(var > 1e-12, 1 / np.sqrt(np.where(var > 1e-12, var, 1)), 1)",
                "    mean, inv_std = mean.astype(np.float32), inv_std.astype(np.float32)",
                "    shape = splits[\"train\"][0].shape[1:]",
                "    splits = {k: (((x.reshape(len(x), -1) - mean) * inv_std).reshape((len(x),) + shape), y) for k, (x, y) in splits.items()}",
            ]
        }
        l.append("    return splits")
        return l
    }

    /// `loss: X - accuracy: Y` as gradlab's `evaluate` prints it.
    func evaluateLine(loss: String, accuracy: String) -> String {
        "    print(f\"{args.split}: loss: {\(loss):.4f} - accuracy: {\(accuracy):.4f}  ({len(x)} samples)\")"
    }

    func argumentParser(save: String) -> [String] {
        [
            "    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])",
            "    parser.add_argument(\"--train\", action=\"store_true\", help=\"train from scratch instead of loading gradlab's weights\")",
            "    parser.add_argument(\"--split\", default=\(ScriptExport.str(evaluationSplit)), choices=\(splitChoices), help=\"the split to evaluate\")",
            "    parser.add_argument(\"--predictions\", metavar=\"FILE.npy\", help=\"save the split's predicted probabilities (float32)\")",
            "    parser.add_argument(\"--weights\", default=WEIGHTS, help=\"the safetensors file of trained weights\")",
            "    parser.add_argument(\"--init\", metavar=\"FILE.safetensors\",",
            "                        help=\"with --train: start from these weights (e.g. gradlab's initial ones) instead of fresh ones\")",
            "    parser.add_argument(\"--save\", metavar=\"FILE\", help=\"\(save)\")",
            "    args = parser.parse_args()",
        ]
    }

    var splitChoices: String { "[" + splits.map { ScriptExport.str($0) }.joined(separator: ", ") + "]" }

    func fitComment(_ f: Fit) -> String { "    # gradlab: \(f.command)" }
}

/// `export keras PATH.py`: a self-contained Keras 3 script for the session's
/// model — layers, compile, fit, the data and the trained weights.
enum KerasScript {
    static func render(_ e: ScriptExport) throws -> String {
        try e.validate(for: "Keras")
        let m = e.model
        let usesResidual = m.layers.contains { $0 is Residual }
        let usesRReLU = m.layers.contains { $0 is RReLU }
        let opt = e.optimizer
        var out = e.header(framework: "Keras 3", needs: "pip install keras jax safetensors numpy",
                           saveExample: "model.keras", saveFormat: "Keras' own format",
                           scaling: ["Any Keras 3 backend runs it (KERAS_BACKEND=jax, tensorflow or torch). On a GPU",
                                     "or TPU nothing changes; across devices or hosts see keras.distribution",
                                     "(JAX: DataParallel / ModelParallel) or tf.distribute."])
        out += [
            "import argparse",
            "import gzip",
            "import os",
            "",
            "os.environ.setdefault(\"KERAS_BACKEND\", \"jax\")",
            "",
            "import numpy as np",
            "import keras",
            "import safetensors.numpy",
            "from keras import layers, ops",
            "",
            "HERE = os.path.dirname(os.path.abspath(__file__))",
            "WEIGHTS = os.path.join(HERE, \(ScriptExport.str(e.weightsFile)))",
            "SEED = \(e.seed)",
            "",
            "",
        ]
        out += e.dataSection()
        out += ["", ""]
        out += targetsSection(e)

        if usesRReLU {
            out += ["", "",
                "@keras.saving.register_keras_serializable(package=\"gradlab\")",
                "class RReLU(layers.Layer):",
                "    \"\"\"Randomized leaky ReLU (Xu et al. 2015; PyTorch's nn.RReLU), which Keras lacks:",
                "    in training each negative input gets a slope drawn from U(lower, upper), at",
                "    inference the mean slope (lower + upper) / 2.\"\"\"",
                "",
                "    def __init__(self, lower=1 / 8, upper=1 / 3, seed=None, **kwargs):",
                "        super().__init__(**kwargs)",
                "        self.lower, self.upper = lower, upper",
                "        self.seed_generator = keras.random.SeedGenerator(seed)",
                "",
                "    def call(self, x, training=False):",
                "        if training:",
                "            slope = keras.random.uniform(ops.shape(x), self.lower, self.upper, seed=self.seed_generator)",
                "        else:",
                "            slope = (self.lower + self.upper) / 2",
                "        return ops.where(x >= 0, x, x * slope)",
                "",
                "    def get_config(self):",
                "        return {**super().get_config(), \"lower\": self.lower, \"upper\": self.upper}",
            ]
        }
        if usesResidual {
            out += ["", "",
                "@keras.saving.register_keras_serializable(package=\"gradlab\")",
                "class Residual(layers.Layer):",
                "    \"\"\"gradlab's residual block y = x + dense(x) (He et al. 2016); the dense layer",
                "    keeps the input's width so the sum is defined.\"\"\"",
                "",
                "    DENSE_KEYS = (\"units\", \"activation\", \"use_bias\", \"kernel_initializer\", \"bias_initializer\",",
                "                  \"kernel_regularizer\", \"kernel_constraint\")",
                "",
                "    def __init__(self, units, dense_name=None, **kwargs):",
                "        dense_args = {k: kwargs.pop(k) for k in self.DENSE_KEYS[1:] if k in kwargs}",
                "        super().__init__(**kwargs)",
                "        self.dense = layers.Dense(units, name=dense_name or self.name + \"_dense\", **dense_args)",
                "",
                "    def build(self, input_shape):",
                "        self.dense.build(input_shape)",
                "",
                "    def call(self, x):",
                "        return x + self.dense(x)",
                "",
                "    def get_config(self):",
                "        dense = self.dense.get_config()",
                "        return {**super().get_config(), \"dense_name\": self.dense.name, **{k: dense[k] for k in self.DENSE_KEYS}}",
            ]
        }
        if case .oneCycle = opt.schedule {
            out += ["", "",
                "class OneCycle(keras.optimizers.schedules.LearningRateSchedule):",
                "    \"\"\"gradlab's one_cycle(max_rate, total_steps) (Smith 2018): a linear rise from",
                "    max_rate/10 to max_rate over 45% of the steps, back down, then to max_rate/1000.\"\"\"",
                "",
                "    def __init__(self, max_rate, total_steps):",
                "        self.max_rate, self.total_steps = max_rate, total_steps",
                "",
                "    def __call__(self, step):",
                "        s = ops.cast(step, \"float32\")",
                "        top = self.max_rate",
                "        start, end = top / 10, top / 1000",
                "        half = max(1, int(self.total_steps * 0.45))",
                "        rest = max(1, self.total_steps - 2 * half)",
                "        up = start + (top - start) * s / half",
                "        down = top - (top - start) * (s - half) / half",
                "        tail = ops.maximum(end, start - (start - end) * (s - 2 * half) / rest)",
                "        return ops.where(s <= half, up, ops.where(s <= 2 * half, down, tail))",
                "",
                "    def get_config(self):",
                "        return {\"max_rate\": self.max_rate, \"total_steps\": self.total_steps}",
            ]
        }

        // Model
        out += ["", "",
                "# --- model " + String(repeating: "-", count: 67),
                "def build_model():",
                "    # gradlab: \(e.modelCommand)",
                "    model = keras.Sequential(name=\"sequential\")",
                "    model.add(keras.Input(shape=\(ScriptExport.tuple(m.inputShape ?? e.sampleShape))))"]
        for l in m.layers {
            out.append("    # gradlab: \(ScriptExport.command(for: l))")
            out.append("    model.add(\(try layerCode(l)))")
        }
        let frozen = m.layers.enumerated().filter { $0.element.isFrozen }
        for (i, l) in frozen {
            out.append("    # gradlab: set trainable \(i) false" + (l is BatchNormalization ? "  (a frozen BatchNormalization runs in inference mode, in Keras 3 as in gradlab)" : ""))
            out.append("    model.get_layer(\(ScriptExport.str(l.name))).trainable = False")
        }
        out.append("    return model")

        // Compile
        out += ["", ""]
        if e.targets == .column && e.classCount == 0 {
            out += [
                "def threshold_accuracy(y_true, y_pred):",
                "    \"\"\"gradlab's accuracy for one output unit: (output > 0.5) equals the target's integer part.\"\"\"",
                "    return ops.cast(ops.equal(ops.cast(y_pred > 0.5, \"int32\"), ops.cast(y_true, \"int32\")), \"float32\")",
                "", ""]
        }
        out += ["# --- compile " + String(repeating: "-", count: 65),
                "def compile_model(model):",
                "    # gradlab: \(e.compileCommand)"]
        out += optimizerCode(opt)
        let metric: String
        switch e.targets {
        case .indices: metric = "keras.metrics.SparseCategoricalAccuracy(name=\"accuracy\")"
        case .oneHot: metric = "keras.metrics.CategoricalAccuracy(name=\"accuracy\")"
        case .column:
            if e.classCount > 0 { metric = "keras.metrics.BinaryAccuracy(name=\"accuracy\", threshold=0.5)" }
            else { metric = "keras.metrics.MeanMetricWrapper(threshold_accuracy, name=\"accuracy\")" }
        }
        out.append("    model.compile(loss=\(ScriptExport.str(e.loss.rawValue)), optimizer=optimizer, metrics=[\(metric)])")

        // Weights
        out += ["", "",
                "# --- trained weights " + String(repeating: "-", count: 57),
                "def load_weights(model, path=WEIGHTS):",
                "    \"\"\"Assigns gradlab's trained variables, matched by `layer/variable` name.\"\"\"",
                "    weights = safetensors.numpy.load_file(path)",
                "    for layer in model.layers:",
                usesResidual ? "        prefix = layer.dense.name if isinstance(layer, Residual) else layer.name" : "        prefix = layer.name",
                "        for v in layer.weights:",
                "            v.assign(weights.pop(f\"{prefix}/{v.name}\"))",
                "    if weights:",
                "        raise ValueError(f\"{path} holds tensors no layer uses: {sorted(weights)}\")"]

        // Training
        out += ["", "",
                "# --- training " + String(repeating: "-", count: 64),
                "def train(model, data):",
                "    x, y = data[\"train\"]"]
        let hasValidation = e.splits.contains("validation")
        for f in e.fits {
            out.append(e.fitComment(f))
            var cbs: [String] = []
            for c in f.callbacks {
                switch c {
                case .earlyStopping(let mon, let pat, let restore):
                    cbs.append("keras.callbacks.EarlyStopping(monitor=\(ScriptExport.str(mon)), patience=\(pat), restore_best_weights=\(ScriptExport.pyBool(restore)))")
                case .reduceLROnPlateau(let mon, let factor, let pat, let minLR):
                    if opt.schedule != nil {
                        out.append("    # reduce_lr_on_plateau is left out: under a learning-rate schedule it has no effect in")
                        out.append("    # gradlab (the schedule sets the rate) and Keras refuses the combination.")
                    } else {
                        cbs.append("keras.callbacks.ReduceLROnPlateau(monitor=\(ScriptExport.str(mon)), factor=\(ScriptExport.py(factor)), patience=\(pat), min_lr=\(ScriptExport.py(minLR)), min_delta=0)")
                    }
                case .modelCheckpoint(let path, let mon, let best):
                    cbs.append("keras.callbacks.ModelCheckpoint(\(ScriptExport.str(path + ".keras")), monitor=\(ScriptExport.str(mon)), save_best_only=\(ScriptExport.pyBool(best)))")
                }
            }
            var call = "    model.fit(x, y, epochs=\(f.epochs), batch_size=\(f.batchSize), shuffle=\(ScriptExport.pyBool(f.shuffle)), verbose=2"
            if hasValidation { call += ", validation_data=data[\"validation\"]" }
            if !cbs.isEmpty { call += ",\n              callbacks=[" + cbs.joined(separator: ",\n                         ") + "]" }
            out.append(call + ")")
        }

        // Main
        out += ["", "",
                "def main():"]
        out += e.argumentParser(save: "after evaluating, save the model in Keras' format (FILE.keras: keras.saving.load_model reads it)")
        out += [
            "    data = prepared_data()",
            "    # gradlab: seed \(e.seed)  (Keras draws its own random numbers: --train starts from",
            "    # other initial weights than gradlab did, with the same initializers)",
            "    keras.utils.set_random_seed(SEED)",
            "    model = build_model()",
            "    compile_model(model)",
            "    if args.train:",
            "        if args.init:",
            "            load_weights(model, args.init)",
            "        train(model, data)",
            "    else:",
            "        load_weights(model, args.weights)",
            "    # gradlab: evaluate \(e.evaluationSplit)",
            "    x, y = data[args.split]",
            "    result = model.evaluate(x, y, batch_size=500, verbose=0, return_dict=True)",
            e.evaluateLine(loss: "result['loss']", accuracy: "result['accuracy']"),
            "    if args.predictions:",
            "        np.save(args.predictions, np.asarray(model.predict(x, batch_size=500, verbose=0), dtype=np.float32))",
            "    if args.save:",
            "        model.save(args.save)",
            "",
            "",
            "if __name__ == \"__main__\":",
            "    main()",
            "",
        ]
        return out.joined(separator: "\n")
    }

    /// `targets(...)`: reshapes the targets as the Keras loss wants them, wrapping `load_data`.
    static func targetsSection(_ e: ScriptExport) -> [String] {
        switch e.targets {
        case .indices:
            return ["def prepared_data():", "    \"\"\"Class indices are what sparse_categorical_crossentropy takes.\"\"\"", "    return load_data()"]
        case .oneHot:
            return ["def prepared_data():",
                    "    \"\"\"\(e.loss.rawValue) compares one-hot rows (gradlab one-hot encodes on the fly).\"\"\"",
                    "    eye = np.eye(\(e.classCount), dtype=np.float32)",
                    "    return {k: (x, eye[y]) for k, (x, y) in load_data().items()}"]
        case .column:
            return ["def prepared_data():",
                    "    \"\"\"One target per sample, as a column for the single output unit.\"\"\"",
                    "    return {k: (x, y.astype(np.float32).reshape(-1, 1)) for k, (x, y) in load_data().items()}"]
        }
    }

    static func activation(_ a: Activation) -> String {
        switch a {
        case .leakyRelu(let al) where al != 0.2: return "lambda x: keras.activations.leaky_relu(x, negative_slope=\(ScriptExport.py(al)))"
        case .elu(let al) where al != 1: return "lambda x: keras.activations.elu(x, alpha=\(ScriptExport.py(al)))"
        default: return ScriptExport.str(a.baseName)
        }
    }

    static func initializer(_ i: Initializer) -> String {
        let p = ScriptExport.py
        switch i {
        case .zeros: return "\"zeros\""
        case .ones: return "\"ones\""
        case .constant(let v): return "keras.initializers.Constant(\(p(v)))"
        case .randomNormal(let m, let s): return "keras.initializers.RandomNormal(mean=\(p(m)), stddev=\(p(s)))"
        case .randomUniform(let a, let b): return "keras.initializers.RandomUniform(minval=\(p(a)), maxval=\(p(b)))"
        case .truncatedNormal(let m, let s): return "keras.initializers.TruncatedNormal(mean=\(p(m)), stddev=\(p(s)))"
        case .varianceScaling(let scale, let mode, let dist, let name):
            if let name { return ScriptExport.str(name) }
            return "keras.initializers.VarianceScaling(scale=\(p(scale)), mode=\"\(mode.rawValue)\", distribution=\"\(dist.rawValue)\")"
        }
    }

    static func regularizer(_ r: Regularizer) -> String {
        if r.l1 != 0 && r.l2 != 0 { return "keras.regularizers.L1L2(l1=\(ScriptExport.py(r.l1)), l2=\(ScriptExport.py(r.l2)))" }
        if r.l1 != 0 { return "keras.regularizers.L1(\(ScriptExport.py(r.l1)))" }
        return "keras.regularizers.L2(\(ScriptExport.py(r.l2)))"
    }

    static func constraint(_ c: Constraint) -> String {
        switch c {
        case .maxNorm(let v): return "keras.constraints.MaxNorm(\(ScriptExport.py(v)), axis=0)"
        case .nonNeg: return "keras.constraints.NonNeg()"
        }
    }

    static func denseArguments(_ d: Dense) -> String {
        var a: [String] = []
        if d.activation != .linear { a.append("activation=\(activation(d.activation))") }
        if !d.useBias { a.append("use_bias=False") }
        a.append("kernel_initializer=\(initializer(d.kernelInitializer))")
        if d.biasInitializer != .zeros { a.append("bias_initializer=\(initializer(d.biasInitializer))") }
        if let r = d.kernel?.regularizer { a.append("kernel_regularizer=\(regularizer(r))") }
        if let c = d.kernel?.constraint { a.append("kernel_constraint=\(constraint(c))") }
        return a.joined(separator: ", ")
    }

    static func layerCode(_ l: Layer) throws -> String {
        let name = "name=\(ScriptExport.str(l.name))"
        switch l {
        case let r as Residual:
            return "Residual(\(r.inner.units), \(denseArguments(r.inner)), dense_name=\(ScriptExport.str(r.inner.name)), \(name))"
        case let d as Dense:
            return "layers.Dense(\(d.units), \(denseArguments(d)), \(name))"
        case is Flatten: return "layers.Flatten(\(name))"
        case let b as BatchNormalization:
            var s = "layers.BatchNormalization(momentum=\(ScriptExport.py(b.momentum)), epsilon=\(ScriptExport.py(b.epsilon))"
            if !b.center { s += ", center=False" }
            if !b.scale { s += ", scale=False" }
            return s + ", \(name))"
        case let d as Dropout: return "layers.Dropout(\(ScriptExport.py(d.rate)), \(name))"
        case let d as AlphaDropout: return "layers.AlphaDropout(\(ScriptExport.py(d.rate)), \(name))"
        case let a as ActivationLayer:
            switch (a.typeName, a.activation) {
            case ("LeakyReLU", .leakyRelu(let al)): return "layers.LeakyReLU(negative_slope=\(ScriptExport.py(al)), \(name))"
            case ("ELU", .elu(let al)): return "layers.ELU(alpha=\(ScriptExport.py(al)), \(name))"
            default: return "layers.Activation(\(activation(a.activation)), \(name))"
            }
        case is PReLU: return "layers.PReLU(\(name))"
        case let r as RReLU: return "RReLU(lower=\(ScriptExport.py(r.lower)), upper=\(ScriptExport.py(r.upper)), \(name))"
        default: throw ShellError("cannot export layer \(l.name) (\(l.typeName)) to Keras")
        }
    }

    static func schedule(_ s: LearningRateSchedule) -> String {
        let p = ScriptExport.py
        switch s {
        case .power(let lr, let ds, let dr):
            return "keras.optimizers.schedules.InverseTimeDecay(\(p(lr)), decay_steps=\(p(ds)), decay_rate=\(p(dr)))"
        case .exponential(let lr, let ds, let dr, let st):
            return "keras.optimizers.schedules.ExponentialDecay(\(p(lr)), decay_steps=\(p(ds)), decay_rate=\(p(dr)), staircase=\(ScriptExport.pyBool(st)))"
        case .piecewise(let b, let v):
            return "keras.optimizers.schedules.PiecewiseConstantDecay(boundaries=\(b), values=[\(v.map(p).joined(separator: ", "))])"
        case .oneCycle(let mx, let total):
            return "OneCycle(max_rate=\(p(mx)), total_steps=\(total))"
        }
    }

    static func optimizerCode(_ o: Optimizer) -> [String] {
        let p = ScriptExport.py
        var args: [String] = []
        if let s = o.schedule { args.append("learning_rate=\(schedule(s))") } else { args.append("learning_rate=\(p(o.learningRate))") }
        for (k, v) in o.rule.arguments {
            switch v {
            case .number(let x): args.append("\(k)=\(p(x))")
            case .flag(let b): args.append("\(k)=\(ScriptExport.pyBool(b))")
            }
        }
        let cls = type(of: o.rule).kerasClassName
        if let v = o.clipping.clipNorm { args.append("clipnorm=\(p(v))") }
        if let v = o.clipping.globalClipNorm { args.append("global_clipnorm=\(p(v))") }
        if let v = o.clipping.clipValue, o.clipping.clipNorm == nil, o.clipping.globalClipNorm == nil { args.append("clipvalue=\(p(v))") }
        return ["    optimizer = keras.optimizers.\(cls)(" + args.joined(separator: ", ") + ")"]
    }
}
