import Foundation

/// Writes CIFAR-10 batches in the exact format of the binary version
/// (`cifar-10-batches-bin/`: 3,073-byte records, label then the red, green
/// and blue planes), with small, known contents: test images carry their
/// label in the red plane so a model can learn them.
public enum CIFARFiles {
    /// Pixel (row, column, channel) of image `i` of a file: a known function of all four.
    public static func pixel(file: Int, image i: Int, row: Int, column: Int, channel: Int, label: Int) -> UInt8 {
        if channel == 0 { return UInt8((label * 25 + (row + column + i) % 7) % 256) }
        return UInt8((file * 31 + i * 17 + row * 5 + column * 3 + channel * 101) % 256)
    }

    /// Label of image `i` of file `file` (0 = test_batch, 1…5 = data_batch_N).
    public static func label(file: Int, image i: Int) -> Int { (file * 3 + i * 7) % 10 }

    /// Writes `folder/cifar-10-batches-bin/` with `perFile` records per file and returns that folder.
    @discardableResult
    public static func write(to folder: String, perFile: Int) throws -> String {
        let dir = folder + "/cifar-10-batches-bin"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for file in 0...5 {
            var bytes: [UInt8] = []
            for i in 0..<perFile {
                let l = label(file: file, image: i)
                bytes.append(UInt8(l))
                for c in 0..<3 {
                    for r in 0..<32 { for col in 0..<32 { bytes.append(pixel(file: file, image: i, row: r, column: col, channel: c, label: l)) } }
                }
            }
            let name = file == 0 ? "test_batch.bin" : "data_batch_\(file).bin"
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name))
        }
        return dir
    }

    /// `cifar-10-binary.tar.gz` of a folder written by `write`, made by tar(1).
    public static func archive(_ folder: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/tar")
        p.arguments = ["czf", "cifar-10-binary.tar.gz", "cifar-10-batches-bin"]
        p.currentDirectoryURL = URL(fileURLWithPath: folder)
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return folder + "/cifar-10-binary.tar.gz"
    }
}
