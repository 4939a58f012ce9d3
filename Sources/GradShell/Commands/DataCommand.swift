import Foundation
import GradNN
import GradTensor

/// `data SOURCE …`: loads Fashion-MNIST, CIFAR-10, IDX, CSV or NumPy files, or a synthetic set.
struct DataCommand: Command {
    static let spec = CommandSpec(
        name: "data", summary: "load a data set (fashion-mnist, cifar10, idx, csv, npy, npz, moons, circles, spirals, xor)",
        usage: "data [fashion-mnist | cifar10 PATH | idx TRAIN_IMAGES TRAIN_LABELS [TEST_IMAGES TEST_LABELS] | csv FILE | npy X.npy Y.npy | npz FILE [x=KEY y=KEY] | moons|circles|spirals|xor] [key=value…]",
        discussion: "Pixels are scaled to [0, 1] (raw=true keeps 0…255). validation=N moves the last N training samples to a validation split (as the book does for Fashion-MNIST: X_train_full[-5000:]); validation_split=F does the same with a fraction (as Keras' fit(validation_split=F), from the end). CIFAR-10 takes its validation images from the start instead, as the notebook's exercise does (X_valid = X_train_full[:5000]); validation_from=first|last chooses for any source. With classes_only= and a validation split, the full training set is split first and each part then filtered, as the notebook's task A / task B (cells 35–36), and limit= keeps the first N of the filtered training part; without classes_only, limit= applies before the split. `data cifar10 PATH` reads the standard binary files: the folder cifar-10-batches-bin, or cifar-10-binary.tar.gz itself (https://www.cs.toronto.edu/~kriz/cifar.html; nothing is downloaded). `data` alone shows what is loaded.",
        keys: [KeySpec("validation", "number of training samples held out for validation"),
               KeySpec("validation_split", "fraction held out for validation (0…1)"),
               KeySpec("validation_from", "take the validation samples from the first or the last training samples (default last; cifar10 first)", .words(["first", "last"])),
               KeySpec("limit", "keep only the first N training samples"),
               KeySpec("raw", "true: keep pixels 0…255, as the notebook's CIFAR-10 cells feed them (default false: scaled to [0, 1])", .words(["true", "false"])),
               KeySpec("n", "synthetic: number of training samples (default 1000)"),
               KeySpec("noise", "synthetic: Gaussian noise (default 0.1)"),
               KeySpec("classes", "spirals: number of arms (default 3)"),
               KeySpec("label", "csv: the label column (name or index; default last)"),
               KeySpec("test", "csv: a second file used as the test split", .paths),
               KeySpec("standardize", "true: scale each feature to mean 0, std 1 (fitted on train)", .words(["true", "false"])),
               KeySpec("classes_only", "keep only these classes, e.g. 0,1 (relabelled 0…k-1)"),
               KeySpec("x", "npz: the features array's name (default x_train, then x)"),
               KeySpec("y", "npz: the labels array's name (default y_train, then y)")],
        positional: .words(["fashion-mnist", "cifar10", "idx", "csv", "npy", "npz"] + Synthetic.allCases.map(\.rawValue)),
        examples: ["data fashion-mnist validation=5000", "data cifar10 ~/Downloads/cifar-10-binary.tar.gz validation=5000 raw=true", "data moons n=1000 noise=0.2 validation=200",
                   "data csv iris.csv label=species validation_split=0.2"],
        category: "data")

    enum Source { case show, fashion, cifar10(String), idx([String]), csv(String, label: String?, test: String?), npy(String, String), npz(String, x: String?, y: String?), synthetic(Synthetic, n: Int, noise: Float, classes: Int) }
    let source: Source
    let validation: Int?
    let validationSplit: Float?
    let validationFromStart: Bool?
    let limit: Int?
    let raw: Bool
    let standardize: Bool
    let keepClasses: [Int]?
    /// The line as typed, kept so a resumed session can load the same data.
    let line: String

    init(_ args: inout Arguments, session: Session) throws {
        line = args.line.source
        let kinds = ["fashion-mnist", "fashion_mnist", "cifar10", "cifar-10", "idx", "csv", "npy", "npz"] + Synthetic.allCases.map(\.rawValue)
        if let a = args.nextArgument() {
            let w = try Arguments.choice(a, name: "data source", from: kinds)
            switch w {
            case "fashion-mnist", "fashion_mnist": source = .fashion
            case "cifar10", "cifar-10":
                guard let p = try args.string("path", positional: true) else {
                    throw ShellError("data cifar10 needs the PATH of its files: \(CIFAR10.whereToGetIt)")
                }
                source = .cifar10(p)
            case "idx":
                var files: [String] = []
                while let f = args.nextArgument() { files.append(f.value.text.replacingOccurrences(of: "\"", with: "")) }
                guard files.count == 2 || files.count == 4 else {
                    throw ShellError("data idx needs TRAIN_IMAGES TRAIN_LABELS and optionally TEST_IMAGES TEST_LABELS (got \(plural(files.count, "file")))")
                }
                source = .idx(files)
            case "npy":
                guard let x = try args.string("x", positional: true), let y = try args.string("y", positional: true) else {
                    throw ShellError("data npy needs X.npy Y.npy")
                }
                source = .npy(x, y)
            case "npz":
                guard let f = try args.string("file", positional: true) else { throw ShellError("data npz needs a FILE") }
                source = .npz(f, x: try args.string("x"), y: try args.string("y"))
            case "csv":
                guard let f = try args.string("file", positional: true) else { throw ShellError("data csv needs a FILE") }
                source = .csv(f, label: try args.string("label"), test: try args.string("test"))
            default:
                let s = Synthetic(rawValue: w)!
                let n = try args.int("n", default: 1000, range: 10...1_000_000)!
                let noise = try args.float("noise", default: s == .xor ? 0.05 : 0.1, range: 0...10)!
                let classes = try args.int("classes", default: s == .spirals ? 3 : 2, range: 2...20)!
                source = .synthetic(s, n: n, noise: noise, classes: classes)
            }
        } else {
            source = .show
        }
        validation = try args.int("validation", range: 1...10_000_000)
        validationSplit = try args.float("validation_split", range: 0.0001...0.9999)
        if validation != nil && validationSplit != nil { throw ShellError("give validation= or validation_split=, not both") }
        validationFromStart = try args.choice("validation_from", from: ["first", "last"]).map { $0 == "first" }
        limit = try args.int("limit", range: 1...100_000_000)
        raw = try args.bool("raw", default: false)
        standardize = try args.bool("standardize", default: false)
        if let a = args.keyword("classes_only") {
            func items(_ v: Value) -> [Value] { if case .list(let l) = v { return l }; return [v] }
            keepClasses = try items(a.value).map { try Arguments.int(Argument(key: nil, value: $0, span: a.span), name: "classes_only", range: 0...100_000) }
        } else { keepClasses = nil }
        if case .show = source, validation != nil || validationSplit != nil || limit != nil || validationFromStart != nil {
            throw ShellError("name a data source first, e.g. `data fashion-mnist validation=5000`")
        }
    }

    func run(_ session: Session) throws -> String {
        var d: Dataset
        var newRng: RandomGenerator? = nil
        let t0 = Date()
        do {
            switch source {
            case .show:
                guard let data = session.data else { return "no data loaded; try `data fashion-mnist` or `data moons`" }
                return DataCommand.describe(data)
            case .fashion: d = try FashionMNIST.load()
            case .cifar10(let p): d = try CIFAR10.load(path: session.readablePath(p))
            case .idx(let f):
                let f = f.map(session.readablePath)
                let train = try IDX.load(images: f[0], labels: f[1])
                let test = f.count == 4 ? try IDX.load(images: f[2], labels: f[3]) : nil
                if let test, test.sampleShape != train.sampleShape {
                    throw DataError("test images are \(test.sampleShape) but training images are \(train.sampleShape)")
                }
                let classes = Int((train.targets.max() ?? 0)) + 1
                d = Dataset(name: (f[0] as NSString).lastPathComponent, train: DataSplit(storage: train, range: 0..<train.count),
                            test: test.map { DataSplit(storage: $0, range: 0..<$0.count) }, classCount: classes)
            case .csv(let f, let label, let test):
                d = try CSV.load(path: session.readablePath(f), label: label)
                if let test {
                    let t = try CSV.load(path: session.readablePath(test), label: label)
                    guard t.sampleShape == d.sampleShape else { throw DataError("\(test) has \(t.sampleShape[0]) features but \(f) has \(d.sampleShape[0])") }
                    d.test = t.train
                    d.classCount = max(d.classCount, t.classCount)
                }
            case .npy(let x, let y): d = try NPY.dataset(xPath: session.readablePath(x), yPath: session.readablePath(y))
            case .npz(let f, let x, let y): d = try NPY.dataset(archive: session.readablePath(f), x: x, y: y)
            case .synthetic(let s, let n, let noise, let classes):
                var rng = session.rng
                d = s.generate(n: n, noise: noise, classes: classes, rng: &rng)
                newRng = rng
            }
            if raw { d = d.keepingRawPixels() }
            let fromStart = validationFromStart ?? (d.name == "cifar10")
            func split(_ d: Dataset) throws -> Dataset {
                var n = validation
                if let f = validationSplit { n = max(1, Int(Float(d.train.count) * f)) }
                guard let n else { return d }
                return fromStart ? try d.withValidation(first: n) : try d.withValidation(last: n)
            }
            if let keep = keepClasses, validation != nil || validationSplit != nil {
                // The notebook's order (cells 35–36): split, filter each part, then limit the training part.
                d = try DataCommand.filter(split(d), classes: keep)
                if let l = limit { d = try d.limitingTrain(to: l) }
            } else {
                if let keep = keepClasses { d = try DataCommand.filter(d, classes: keep) }
                if let l = limit { d = try d.limitingTrain(to: l) }
                d = try split(d)
            }
            if standardize { d = d.standardized() }
        } catch let e as DataError {
            throw ShellError(e.message)
        }
        let seconds = Date().timeIntervalSince(t0)
        session.timing(String(format: "data seconds=%.4f", seconds))
        if let m = session.model, let shape = m.inputShape, shape != d.sampleShape {
            session.emit("note: the current model expects \(shapeText(shape)); start a new one with `model new`")
        }
        session.dataRecipe = Autosave.DataRecipe(line: line, rng: session.rng.state, directory: FileManager.default.currentDirectoryPath)
        session.data = d
        if let r = newRng { session.rng = r }
        return DataCommand.describe(d)
    }

    /// Keeps only samples of the listed classes, relabelled 0…k-1 (copies them).
    static func filter(_ d: Dataset, classes: [Int]) throws -> Dataset {
        func keep(_ s: DataSplit?) -> DataSplit? {
            guard let s else { return nil }
            var idx: [Int] = []
            for i in 0..<s.count where classes.contains(Accuracy.classIndex(s.target(i))) { idx.append(i) }
            let f = s.featureCount
            var feats = [Float](repeating: 0, count: idx.count * f)
            var targets = [Float]()
            for (r, i) in idx.enumerated() {
                for j in 0..<f { feats[r * f + j] = s.storage.value(sample: s.range.lowerBound + i, feature: j) }
                targets.append(Float(classes.firstIndex(of: Accuracy.classIndex(s.target(i)))!))
            }
            let st = SampleStorage(features: .floats(feats), sampleShape: s.sampleShape, targets: targets)
            return DataSplit(storage: st, range: 0..<idx.count)
        }
        guard let train = keep(d.train), train.count > 0 else { throw DataError("no training samples of classes \(classes)") }
        let names = classes.map { $0 < d.classNames.count ? d.classNames[$0] : String($0) }
        return Dataset(name: d.name, train: train, validation: keep(d.validation), test: keep(d.test), classCount: classes.count, classNames: names)
    }

    static func describe(_ d: Dataset) -> String {
        let shape = d.sampleShape.map(String.init).joined(separator: "×")
        var s = "\(d.name): train \(d.train.count) × \(shape)"
        if let v = d.validation {
            s += "  valid \(v.count)"
            if v.storage === d.train.storage, v.range.upperBound <= d.train.range.lowerBound { s += " (the first \(v.count))" }
        }
        if let t = d.test { s += "  test \(t.count)" }
        s += d.classCount > 0 ? "   (\(plural(d.classCount, "class", "classes")))" : "   (regression)"
        if d.train.standardization != nil { s += "  standardized" }
        return s
    }
}
