import Foundation

/// Fashion-MNIST as Debian's `dataset-fashion-mnist` package installs it.
public enum FashionMNIST {
    public static let directory = "/usr/share/datasets/fashion-mnist"
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// The 60,000 training and 10,000 test images, pixels kept as bytes.
    public static func load(directory: String = directory) throws -> Dataset {
        let file = { (name: String) in directory + "/" + name }
        guard FileManager.default.fileExists(atPath: file("train-images-idx3-ubyte.gz")) else {
            throw DataError("Fashion-MNIST is not installed in \(directory); install it with: apt-get install dataset-fashion-mnist")
        }
        // The two splits decompress in parallel (gunzip dominates loading).
        let names = [("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"), ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")]
        let results = UnsafeMutablePointer<Result<SampleStorage, Error>>.allocate(capacity: 2)
        defer { results.deinitialize(count: 2); results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            (results + i).initialize(to: Result { try IDX.load(images: file(names[i].0), labels: file(names[i].1)) })
        }
        let train = try results[0].get(), test = try results[1].get()
        return Dataset(name: "fashion-mnist", train: DataSplit(storage: train, range: 0..<train.count),
                       test: DataSplit(storage: test, range: 0..<test.count), classCount: 10, classNames: classNames)
    }
}
