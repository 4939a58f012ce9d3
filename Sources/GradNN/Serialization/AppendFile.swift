import Foundation

/// A log file written by appending whole records with `write(2)`, no user-space
/// buffer: a `kill -9` loses at most the record being written, as Keras' loggers
/// flush after each epoch. Closed when released.
public final class AppendFile {
    public let path: String
    /// Whether the file held bytes before this writer opened it (so a CSV header or
    /// an event file's version record is not repeated).
    public let hadContent: Bool
    private let fd: Int32

    /// Opens (creating the folders and the file) for appending; `truncate` empties it first.
    public init(path: String, truncate: Bool = false) throws {
        self.path = path
        try AppendFile.makeDirectories((path as NSString).deletingLastPathComponent)
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0o644)
        guard fd >= 0 else { throw AtomicFile.WriteError("cannot write \(path): \(String(cString: strerror(errno)))") }
        var st = stat()
        hadContent = fstat(fd, &st) == 0 && st.st_size > 0
    }

    deinit { close(fd) }

    /// Appends `bytes` in as few `write` calls as the kernel allows.
    public func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw AtomicFile.WriteError("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    /// `mkdir -p`, with the system's reason when it fails ("Not a directory", "Permission denied").
    static func makeDirectories(_ dir: String) throws {
        var prefix = dir.hasPrefix("/") ? "" : "."
        for part in dir.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw AtomicFile.WriteError("cannot create the folder \(prefix): \(String(cString: strerror(errno)))")
            }
        }
        var isDir: ObjCBool = false
        guard dir.isEmpty || (FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue) else {
            throw AtomicFile.WriteError("cannot create the folder \(dir): Not a directory")
        }
    }
}
