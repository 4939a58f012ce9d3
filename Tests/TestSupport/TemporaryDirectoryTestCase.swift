import Foundation
import XCTest

/// A test case with a fresh, empty folder of its own for every test, so that
/// tests that write files do not each repeat the same set-up and clean-up.
/// `dir` is `<temporary directory>/gradlab-<test class>-<UUID>`, created
/// before the test and removed, with all it holds, after it. Subclasses that
/// need more override `setUpWithError` / `tearDownWithError` and call `super`.
open class TemporaryDirectoryTestCase: XCTestCase {
    /// The test's folder.
    public private(set) var dir = ""

    open override func setUpWithError() throws {
        try super.setUpWithError()
        let name = "gradlab-\(type(of: self))-\(UUID().uuidString)"
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    open override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
        try super.tearDownWithError()
    }
}
