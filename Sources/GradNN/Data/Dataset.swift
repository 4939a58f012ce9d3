import CGemm
import GradTensor

/// The samples of one source, kept compact: pixels stay `UInt8` and are
/// scaled to [0, 1] only when a batch is gathered, so a loaded data set is
/// never copied as floats.
public final class SampleStorage {
    public enum Features {
        case bytes([UInt8])
        case floats([Float])
    }
    public let features: Features
    /// Per-sample shape, e.g. [28, 28].
    public let sampleShape: [Int]
    public let featureCount: Int
    /// One target per sample: a class index, or a value for regression.
    public let targets: [Float]
    /// What a byte feature is multiplied by: 1/255 (pixels to [0, 1]), or 1
    /// to keep raw 0…255 values as the notebook's CIFAR-10 cells do.
    public let byteScale: Float
    public var count: Int { targets.count }

    public init(features: Features, sampleShape: [Int], targets: [Float], byteScale: Float = 1 / 255) {
        self.features = features
        self.sampleShape = sampleShape
        self.featureCount = sampleShape.reduce(1, *)
        self.targets = targets
        self.byteScale = byteScale
    }

    /// The same samples with another byte scale (the arrays are shared, not copied).
    public func scalingBytes(by scale: Float) -> SampleStorage {
        SampleStorage(features: features, sampleShape: sampleShape, targets: targets, byteScale: scale)
    }

    /// Feature `j` of sample `i` as the model sees it (before standardization).
    public func value(sample i: Int, feature j: Int) -> Float {
        switch features {
        case .bytes(let b): return Float(b[i * featureCount + j]) * byteScale
        case .floats(let f): return f[i * featureCount + j]
        }
    }

    /// Bytes the features take.
    public var byteCount: Int {
        switch features {
        case .bytes(let b): return b.count
        case .floats(let f): return f.count * 4
        }
    }
}

/// Per-feature standardization `(x − mean) / std`, fitted on the training split.
public struct Standardization: Sendable {
    public var mean: [Float]
    public var invStd: [Float]
}

/// A contiguous range of samples of one storage: train, validation or test.
/// Splits share storage; nothing is copied.
public struct DataSplit {
    public let storage: SampleStorage
    public let range: Range<Int>
    public var standardization: Standardization?

    public init(storage: SampleStorage, range: Range<Int>, standardization: Standardization? = nil) {
        self.storage = storage
        self.range = range
        self.standardization = standardization
    }

    public var count: Int { range.count }
    public var sampleShape: [Int] { storage.sampleShape }
    public var featureCount: Int { storage.featureCount }

    /// Target of the i-th sample of this split.
    public func target(_ i: Int) -> Float { storage.targets[range.lowerBound + i] }

    /// Copies the samples at `indices` (relative to the split) into `x`
    /// ([count, features]) and their targets into `y`.
    public func gather(_ indices: UnsafeBufferPointer<Int>, into x: Tensor, targets y: UnsafeMutablePointer<Float>) {
        let f = featureCount, base = range.lowerBound
        x.resize([indices.count, f])
        let out = x.data
        switch storage.features {
        case .bytes(let bytes):
            bytes.withUnsafeBufferPointer { src in
                let scale = storage.byteScale
                guard let s = src.baseAddress, let idx = indices.baseAddress else { return }
                // Rows are independent: two halves, side by side when that is faster.
                Parallel.halves(indices.count, granule: 1, elementsPerItem: f, kind: .gatherBatch) { lo, hi in
                    cgemm_gather_bytes(s + base * f, idx + lo, hi - lo, f, scale, out + lo * f)
                }
            }
        case .floats(let floats):
            floats.withUnsafeBufferPointer { src in
                for (r, i) in indices.enumerated() {
                    (out + r * f).update(from: src.baseAddress! + (base + i) * f, count: f)
                }
            }
        }
        if let st = standardization {
            for r in 0..<indices.count {
                let o = out + r * f
                for j in 0..<f { o[j] = (o[j] - st.mean[j]) * st.invStd[j] }
            }
        }
        for (r, i) in indices.enumerated() { y[r] = storage.targets[base + i] }
    }

    /// Gathers a contiguous run of samples [start, start + n).
    public func gather(from start: Int, count n: Int, into x: Tensor, targets y: UnsafeMutablePointer<Float>) {
        let idx = Array(start..<(start + n))
        idx.withUnsafeBufferPointer { gather($0, into: x, targets: y) }
    }

    /// The first `n` samples (at most the split's size) as a batch and its
    /// targets: what the diagnostics measure on.
    public func head(_ n: Int) -> (x: Tensor, targets: [Float]) {
        let m = min(n, count)
        let x = Tensor(zeros: [m, featureCount])
        var y = [Float](repeating: 0, count: m)
        y.withUnsafeMutableBufferPointer { gather(from: 0, count: m, into: x, targets: $0.baseAddress!) }
        return (x, y)
    }

    /// Fits a standardization on this split's features.
    public func fitStandardization() -> Standardization {
        let f = featureCount
        var sum = [Double](repeating: 0, count: f), sq = [Double](repeating: 0, count: f)
        for i in range {
            for j in 0..<f { let v = Double(storage.value(sample: i, feature: j)); sum[j] += v; sq[j] += v * v }
        }
        let n = Double(max(count, 1))
        var mean = [Float](repeating: 0, count: f), inv = [Float](repeating: 1, count: f)
        for j in 0..<f {
            let m = sum[j] / n
            let v = max(0, sq[j] / n - m * m)
            mean[j] = Float(m)
            inv[j] = v > 1e-12 ? Float(1 / v.squareRoot()) : 1
        }
        return Standardization(mean: mean, invStd: inv)
    }
}

/// A loaded data set: training split, optional validation and test splits,
/// and what the targets mean.
public struct Dataset {
    public var name: String
    public var train: DataSplit
    public var validation: DataSplit?
    public var test: DataSplit?
    /// Number of classes (0 for regression targets).
    public var classCount: Int
    public var classNames: [String]
    /// The file or folder it was loaded from, when the loader knows it (CIFAR-10).
    public var location: String?

    public init(name: String, train: DataSplit, validation: DataSplit? = nil, test: DataSplit? = nil,
                classCount: Int, classNames: [String] = []) {
        self.name = name
        self.train = train
        self.validation = validation
        self.test = test
        self.classCount = classCount
        self.classNames = classNames.isEmpty ? (0..<classCount).map(String.init) : classNames
    }

    public var sampleShape: [Int] { train.sampleShape }

    /// The split named `train`, `validation` (`valid`, `val`) or `test`.
    public func split(named name: String) -> DataSplit? {
        switch name {
        case "train": return train
        case "validation", "valid", "val": return validation
        case "test": return test
        default: return nil
        }
    }

    /// Moves the last `n` training samples into a validation split, as the
    /// book's third edition does (`X_train_full[:-5000]` for training,
    /// `X_train_full[-5000:]` for validation) and as Keras' `validation_split`
    /// takes its fraction from the end.
    public func withValidation(last n: Int) throws -> Dataset {
        guard n > 0, n < train.count else {
            throw DataError("validation=\(n) must be between 1 and \(train.count - 1) (the training set has \(train.count) sample\(train.count == 1 ? "" : "s"))")
        }
        var d = self
        let hi = train.range.upperBound
        d.train = DataSplit(storage: train.storage, range: train.range.lowerBound..<(hi - n), standardization: train.standardization)
        d.validation = DataSplit(storage: train.storage, range: (hi - n)..<hi, standardization: train.standardization)
        return d
    }

    /// Moves the FIRST `n` training samples into a validation split, as the
    /// notebook's CIFAR-10 cells do (`X_valid = X_train_full[:5000]`).
    public func withValidation(first n: Int) throws -> Dataset {
        guard n > 0, n < train.count else {
            throw DataError("validation=\(n) must be between 1 and \(train.count - 1) (the training set has \(train.count) sample\(train.count == 1 ? "" : "s"))")
        }
        var d = self
        let lo = train.range.lowerBound
        d.validation = DataSplit(storage: train.storage, range: lo..<(lo + n), standardization: train.standardization)
        d.train = DataSplit(storage: train.storage, range: (lo + n)..<train.range.upperBound, standardization: train.standardization)
        return d
    }

    /// Raw pixel values (0…255) instead of [0, 1], for every split of bytes.
    public func keepingRawPixels() -> Dataset {
        var d = self
        func raw(_ s: DataSplit?) -> DataSplit? {
            guard let s else { return nil }
            guard case .bytes = s.storage.features else { return s }
            return DataSplit(storage: s.storage.scalingBytes(by: 1), range: s.range, standardization: s.standardization)
        }
        d.train = raw(train)!
        d.validation = raw(validation)
        d.test = raw(test)
        return d
    }

    /// Keeps only the first `n` training samples (for quick experiments).
    public func limitingTrain(to n: Int) throws -> Dataset {
        guard n > 0 else { throw DataError("limit=\(n) must be at least 1") }
        var d = self
        let lo = train.range.lowerBound
        d.train = DataSplit(storage: train.storage, range: lo..<min(train.range.upperBound, lo + n), standardization: train.standardization)
        return d
    }

    /// Standardizes every split with statistics fitted on the training split.
    public func standardized() -> Dataset {
        var d = self
        let st = train.fitStandardization()
        d.train.standardization = st
        d.validation?.standardization = st
        d.test?.standardization = st
        return d
    }
}

/// A data loading error: one sentence naming the file or value at fault.
public struct DataError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
