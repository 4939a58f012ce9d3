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
        let train = try IDX.load(images: file("train-images-idx3-ubyte.gz"), labels: file("train-labels-idx1-ubyte.gz"))
        let test = try IDX.load(images: file("t10k-images-idx3-ubyte.gz"), labels: file("t10k-labels-idx1-ubyte.gz"))
        return Dataset(name: "fashion-mnist", train: DataSplit(storage: train, range: 0..<train.count),
                       test: DataSplit(storage: test, range: 0..<test.count), classCount: 10, classNames: classNames)
    }
}
