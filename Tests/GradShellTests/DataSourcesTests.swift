import Foundation
import GradNN
import TestSupport
import XCTest

@testable import GradShell

/// `data cifar10 …` and the notebook's split orders, typed at the shell.
final class DataSourcesTests: TemporaryDirectoryTestCase {
    func run(_ s: Session, _ line: String) -> String {
        let c = s.run(line)
        XCTAssertFalse(c.failed, "\(line) → \(c.output)")
        return c.output
    }

    /// The notebook's exercise 8: `X_valid = X_train_full[:5000]`, raw pixels.
    func testCIFAR10ValidatesOnTheFirstImagesAsTheNotebook() throws {
        try CIFARFiles.write(to: dir, perFile: 10)
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        XCTAssertEqual(run(s, "data cifar10 \(dir) validation=5"),
                       "cifar10: train 45 × 32×32×3  valid 5 (the first 5)  test 10   (10 classes)")
        XCTAssertEqual(s.data?.validation?.range, 0..<5)
        XCTAssertEqual(s.data?.train.range, 5..<50)
        _ = run(s, "data cifar10 \(dir) validation=5 validation_from=last")
        XCTAssertEqual(s.data?.validation?.range, 45..<50)
        _ = run(s, "data cifar10 \(dir)/cifar-10-batches-bin validation=5 raw=true")
        let l = CIFARFiles.label(file: 1, image: 0)
        XCTAssertEqual(s.data?.validation?.storage.value(sample: 0, feature: 0),
                       Float(CIFARFiles.pixel(file: 1, image: 0, row: 0, column: 0, channel: 0, label: l)), "raw=true keeps 0…255")
        // A refused line changes nothing.
        let before = s.data?.train.range
        XCTAssertTrue(s.run("data cifar10 \(dir)/missing validation=5").output.contains("cs.toronto.edu"))
        XCTAssertTrue(s.run("data cifar10").failed)
        XCTAssertTrue(s.run("data cifar10 \(dir) validation_from=middle").failed)
        XCTAssertEqual(s.data?.train.range, before)
        // The book's model trains on it (Flatten over 32×32×3).
        _ = run(s, "data cifar10 \(dir) validation=10")
        _ = run(s, "model new")
        _ = run(s, "add flatten")
        XCTAssertTrue(run(s, "add dense 100 activation=swish kernel_initializer=he_normal repeat=2").contains("(None, 100), 307,300 params"))
        _ = run(s, "add dense 10 activation=softmax")
        _ = run(s, "compile loss=sparse_categorical_crossentropy optimizer=nadam(learning_rate=5e-5) metrics=[accuracy]")
        XCTAssertTrue(run(s, "fit 1 batch_size=8").contains("val_accuracy"))
    }

    /// Task A / task B (cells 35–36): the book splits the last 5,000 off first,
    /// then keeps each part's images of the task's classes; B trains on the
    /// first 200 of its training images.
    func testClassesOnlySplitsFirstThenFiltersAsTheNotebook() throws {
        guard FileManager.default.fileExists(atPath: FashionMNIST.directory + "/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST is not installed in \(FashionMNIST.directory)")
        }
        let s = Session(seed: 42, sessionsDirectory: dir + "/sessions")
        // The sizes of the notebook's cell-35 arrays on these files:
        // X_train_A 44,011 / X_valid_A 3,989 / X_test_A 8,000; X_valid_B 1,011 / X_test_B 2,000.
        XCTAssertEqual(run(s, "data fashion-mnist validation=5000 classes_only=1,3,4,5,6,7,8,9"),
                       "fashion-mnist: train 44011 × 28×28  valid 3989  test 8000   (8 classes)")
        XCTAssertEqual(run(s, "data fashion-mnist validation=5000 classes_only=0,2 limit=200"),
                       "fashion-mnist: train 200 × 28×28  valid 1011  test 2000   (2 classes)")
        // Without a validation split, classes_only filters and limit cuts as before.
        XCTAssertEqual(run(s, "data fashion-mnist classes_only=0,2 limit=200"),
                       "fashion-mnist: train 200 × 28×28  test 2000   (2 classes)")
    }
}
