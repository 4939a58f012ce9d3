import Foundation
import GradNN

/// What `export keras` and `export pytorch` need, gathered once from the
/// session (see `ExportCommand`): the model (built and compiled), where its
/// data comes from, and the gradlab commands that made them. Both script
/// generators are pure functions of this value; they write nothing.
///
/// Exporting a new layer kind: the `add` line and the Keras layer come from
/// its `LayerSpec` (a `KerasScript.Helper` defines the class when Keras lacks
/// it); PyTorch needs an emitter in `PyTorchScript.module(_:input:names:)`,
/// which `ComponentTests` checks for every registered layer. Optimizers, schedules and callbacks
/// likewise have one emitter per kind in each script's MARK section.
struct ScriptExport {
    /// Where the script reads its samples.
    enum DataSource: Equatable {
        /// Fashion-MNIST's gz IDX files; the ranges index the 60,000 training
        /// and 10,000 test images (validation = the LAST images kept, as the book).
        case fashionMNIST(directory: String, train: Range<Int>, validation: Range<Int>?, test: Range<Int>?)
        /// CIFAR-10's binary batches (a folder or `cifar-10-binary.tar.gz`); the
        /// ranges index its 50,000 training and 10,000 test images; `raw`
        /// keeps pixels 0…255 (gradlab's `raw=true`).
        case cifar10(path: String, train: Range<Int>, validation: Range<Int>?, test: Range<Int>?, raw: Bool)
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
        /// `lr_scheduler("…")`: the expression as Python (`RateExpression.python`).
        case learningRateScheduler(python: String, verbose: Bool)
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
        guard model.isCompiled else {
            throw ShellError(
                "export \(framework) needs a compiled model (the script compiles and evaluates it); run `compile` first"
            )
        }
        if targets == .oneHot && classCount == 0 {
            throw ShellError(
                "cannot export to \(framework): \(loss.rawValue) with \(outputUnits) output units needs class targets, but the data's targets are real values"
            )
        }
        if loss == .sparseCategoricalCrossentropy || loss == .categoricalCrossentropy, classCount == 0 {
            throw ShellError(
                "cannot export to \(framework): \(loss.rawValue) needs class targets, but the data's targets are real values"
            )
        }
        var input = model.inputShape ?? sampleShape
        for (i, l) in model.layers.enumerated() {
            if let a = l as? ActivationLayer, a.activation == .softmax, input.count > 1 {
                throw ShellError(
                    "cannot export layer \(i) \(l.name) to \(framework): gradlab's softmax on a \(shapeText(input)) input normalizes over all \(input.reduce(1, *)) values, \(framework) over the last axis only; add flatten before it"
                )
            }
            input = l.outputShape
            switch l {
            case is Dense, is Residual, is Flatten, is BatchNormalization, is Dropout, is AlphaDropout,
                is MCDropout, is MCAlphaDropout, is ActivationLayer, is PReLU, is RReLU:
                break
            default:
                throw ShellError(
                    "cannot export layer \(i) \(l.name) (\(l.typeName)) to \(framework): gradlab does not know its \(framework) equivalent yet"
                )
            }
        }
    }

    // MARK: the gradlab commands

    /// The gradlab command that makes a layer like this one.
    static func command(for layer: Layer) -> String { layer.spec.addLine(layer.settings) }

    // MARK: sections both scripts share

    /// The module docstring, from `#!` to its closing quotes.
    func writeHeader(
        _ w: inout PythonWriter, framework: String, needs: String, saveExample: String, saveFormat: String,
        scaling: String
    ) {
        let c = model.counts
        let other = splits.contains("validation") ? "validation" : "train"
        w.write(
            #"""
            #!/usr/bin/env python3
            """gradlab's model (\#(model.layers.count) layers, \#(c.total.formatted) parameters) as a \#(framework) script.

            Written by gradlab's `export`. Each section names the gradlab command it came
            from. The trained weights are in \#(weightsFile), beside this file
            (safetensors, one float32 tensor per variable, named by its Keras path such as
            dense/kernel [in, out] or batch_normalization/moving_mean).

                python \#(scriptFile)                  # gradlab's trained weights, evaluated on the \#(evaluationSplit) split
                python \#(scriptFile) --train          # train from scratch with the same settings, then evaluate
                python \#(scriptFile) --split \#(other) --predictions probabilities.npy
                python \#(scriptFile) --save \#(saveExample)      # keep the model in \#(saveFormat)

            Needs: \#(needs)
            \#(scaling)
            """#)
        if !notes.isEmpty {
            w.write("\nNotes:")
            for n in notes { w.write("  - " + n) }
        }
        w.write(
            #"""
            """
            """#)
    }

    /// The constants after the imports: where the weights are, the seed.
    func writeConstants(_ w: inout PythonWriter) {
        w.write(
            #"""

            HERE = os.path.dirname(os.path.abspath(__file__))
            WEIGHTS = os.path.join(HERE, \#(weightsFile.py))
            SEED = \#(seed)
            """#)
    }

    /// `load_data()`: numpy only, the same in both scripts.
    func writeData(_ w: inout PythonWriter) {
        w.section("data")
        w.write("# gradlab: \(dataCommand)")
        switch source {
        case .fashionMNIST(let dir, let train, let validation, let test):
            func rows(_ r: Range<Int>) -> String { "\(r.lowerBound):\(r.upperBound)" }
            w.write(
                #"""
                FASHION_MNIST = \#(dir.py)


                def load_idx(path):
                    """An IDX file (Yann LeCun's MNIST format, gzipped) as a numpy array of bytes."""
                    with gzip.open(path, "rb") as f:
                        data = f.read()
                    if data[:3] != b"\x00\x00\x08":
                        raise ValueError(f"{path} is not an IDX file of unsigned bytes")
                    rank = data[3]
                    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank))
                    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(shape)


                def load_data():
                    """The splits gradlab used, as {name: (features, targets)}."""
                    X_train_full = load_idx(f"{FASHION_MNIST}/train-images-idx3-ubyte.gz")
                    y_train_full = load_idx(f"{FASHION_MNIST}/train-labels-idx1-ubyte.gz").astype(np.int64)
                    X_test = load_idx(f"{FASHION_MNIST}/t10k-images-idx3-ubyte.gz")
                    y_test = load_idx(f"{FASHION_MNIST}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
                    # Pixels to [0, 1] exactly as gradlab scales them: x · float32(1/255).
                    X_train_full = X_train_full.astype(np.float32) * np.float32(1 / 255)
                    X_test = X_test.astype(np.float32) * np.float32(1 / 255)
                    # The validation set is the LAST \#(validation?.count ?? 0) training images kept (the book's
                    # X_train, X_valid = X_train_full[:-5000], X_train_full[-5000:]).
                    splits = {
                        "train": (X_train_full[\#(rows(train))], y_train_full[\#(rows(train))]),
                """#)
            if let v = validation {
                w.write(#"        "validation": (X_train_full[\#(rows(v))], y_train_full[\#(rows(v))]),"#)
            }
            if let t = test { w.write(#"        "test": (X_test[\#(rows(t))], y_test[\#(rows(t))]),"#) }
            w.write("    }")
        case .cifar10(let path, let train, let validation, let test, let raw):
            func rows(_ r: Range<Int>) -> String { "\(r.lowerBound):\(r.upperBound)" }
            w.write(
                #"""
                CIFAR10 = \#(path.py)
                CIFAR10_FILES = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]


                def read_cifar10(path):
                    """CIFAR-10's binary batches (its folder, or cifar-10-binary.tar.gz) as Keras'
                    cifar10.load_data() arrays: images N×32×32×3 (channels last), labels."""
                    blobs = {}
                    if os.path.isdir(path):
                        folder = path if os.path.exists(os.path.join(path, "test_batch.bin")) else os.path.join(path, "cifar-10-batches-bin")
                        if os.path.isdir(folder):
                            for name in CIFAR10_FILES:
                                with open(os.path.join(folder, name), "rb") as f:
                                    blobs[name] = f.read()
                        else:
                            path = os.path.join(path, "cifar-10-binary.tar.gz")
                    if not blobs:
                        import tarfile

                        with tarfile.open(path) as tar:
                            for member in tar.getmembers():
                                name = os.path.basename(member.name)
                                if member.isfile() and name in CIFAR10_FILES:
                                    blobs[name] = tar.extractfile(member).read()

                    def decode(names):
                        records = np.frombuffer(b"".join(blobs[n] for n in names), np.uint8).reshape(-1, 3073)
                        return records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), records[:, 0].astype(np.int64)

                    return decode(CIFAR10_FILES[:5]), decode(CIFAR10_FILES[5:])


                def load_data():
                    """The splits gradlab used, as {name: (features, targets)}."""
                    (X_train_full, y_train_full), (X_test, y_test) = read_cifar10(CIFAR10)
                """#)
            if raw {
                w.write(
                    #"""
                        # Raw pixels, 0…255, as the notebook feeds them (gradlab's raw=true).
                        X_train_full = X_train_full.astype(np.float32)
                        X_test = X_test.astype(np.float32)
                    """#)
            } else {
                w.write(
                    #"""
                        # Pixels to [0, 1] exactly as gradlab scales them: x · float32(1/255).
                        X_train_full = X_train_full.astype(np.float32) * np.float32(1 / 255)
                        X_test = X_test.astype(np.float32) * np.float32(1 / 255)
                    """#)
            }
            w.write(#"    splits = {"train": (X_train_full[\#(rows(train))], y_train_full[\#(rows(train))]),"#)
            if let v = validation {
                w.write(#"        "validation": (X_train_full[\#(rows(v))], y_train_full[\#(rows(v))]),"#)
            }
            if let t = test { w.write(#"        "test": (X_test[\#(rows(t))], y_test[\#(rows(t))]),"#) }
            w.write("    }")
        case .arrays(let file):
            w.write(
                #"""
                DATA = os.path.join(HERE, \#(file.py))


                def load_data():
                    """The splits gradlab used, as {name: (features, targets)}: the exact samples,
                    saved beside this script by the export."""
                    arrays = safetensors.numpy.load_file(DATA)
                    splits = {}
                    for name in ("train", "validation", "test"):
                        if f"x_{name}" in arrays:
                            y = arrays[f"y_{name}"]
                            splits[name] = (arrays[f"x_{name}"], \#(classCount > 0 ? "y.astype(np.int64)" : "y"))
                """#)
        }
        if standardized {
            w.write(
                #"""
                    # gradlab: standardize=true — each feature to mean 0, std 1 with statistics
                    # fitted on the training split (float64 sums, as gradlab).
                    x = splits["train"][0].reshape(len(splits["train"][0]), -1).astype(np.float64)
                    mean = x.sum(axis=0) / len(x)
                    var = np.maximum(0, (x * x).sum(axis=0) / len(x) - mean * mean)
                    inv_std = np.where(var > 1e-12, 1 / np.sqrt(np.where(var > 1e-12, var, 1)), 1)
                    mean, inv_std = mean.astype(np.float32), inv_std.astype(np.float32)
                    shape = splits["train"][0].shape[1:]
                    splits = {k: (((x.reshape(len(x), -1) - mean) * inv_std).reshape((len(x),) + shape), y) for k, (x, y) in splits.items()}
                """#)
        }
        w.write("    return splits")
    }

    /// `main()`'s command-line options; `save` is the help of `--save`.
    func writeArgumentParser(_ w: inout PythonWriter, save: String) {
        w.write(
            #"""
                parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
                parser.add_argument("--train", action="store_true", help="train from scratch instead of loading gradlab's weights")
                parser.add_argument("--split", default=\#(evaluationSplit.py), choices=\#(splits.py), help="the split to evaluate")
                parser.add_argument("--predictions", metavar="FILE.npy", help="save the split's predicted probabilities (float32)")
                parser.add_argument("--weights", default=WEIGHTS, help="the safetensors file of trained weights")
                parser.add_argument("--init", metavar="FILE.safetensors",
                                    help="with --train: start from these weights (e.g. gradlab's initial ones) instead of fresh ones")
                parser.add_argument("--save", metavar="FILE", help=\#(save.py))
                args = parser.parse_args()
            """#)
    }

    /// `main()`'s evaluation: `loss: X - accuracy: Y` as gradlab's `evaluate` prints it.
    func evaluateLine(loss: String, accuracy: String) -> String {
        #"    print(f"{args.split}: loss: {\#(loss):.4f} - accuracy: {\#(accuracy):.4f}  ({len(x)} samples)")"#
    }

    /// The end of every script.
    static let entryPoint = #"""


        if __name__ == "__main__":
            main()
        """#
}
