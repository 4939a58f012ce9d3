import CFileOps
import Foundation

/// Crash-safe writes: after a `kill -9`, a power cut or a full disk, a file or
/// a folder written here is the old version or the new one, never a mix.
///
/// A file goes to a temporary name in the same folder, is flushed (`fsync`)
/// and renamed over the old one; the folder is flushed so the rename itself
/// survives. A folder (a saved model) is built complete under a temporary
/// name beside the old one, flushed, and swapped in with one atomic exchange
/// (`renameat2(RENAME_EXCHANGE)`); where the file system lacks it, two renames
/// with a recovery step that `recoverDirectory` finishes on the next read.
public enum AtomicFile {
    /// The error of a failed write; the old file or folder is untouched.
    public struct WriteError: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    /// Set by tests to make every write fail after this many bytes (an injected
    /// full disk, for machines where a small file system cannot be mounted).
    nonisolated(unsafe) public static var failAfterBytes: Int? = nil

    /// Writes `data` to `path` atomically and durably.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw WriteError("cannot create \(dir): \(error.localizedDescription)")
        }
        let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try writeFlushed(data, to: tmp)
            guard rename(tmp, path) == 0 else {
                throw WriteError("cannot rename into \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(tmp)
            throw error
        }
        syncDirectory(dir)
    }

    /// Replaces the folder at `path` with one that `build` fills, atomically.
    /// `build` receives an empty folder to write into. An existing folder is
    /// replaced only if it holds nothing but `ownedNames` (so a user's other
    /// files are never deleted); otherwise the write is refused.
    public static func replaceDirectory(_ path: String, ownedNames: Set<String>, build: (String) throws -> Void) throws
    {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let target = url.path
        let parent = url.deletingLastPathComponent().path
        let fm = FileManager.default
        recoverDirectory(target)
        var isDir: ObjCBool = false
        let exists = fm.fileExists(atPath: target, isDirectory: &isDir)
        if exists {
            guard isDir.boolValue else { throw WriteError("\(path) exists and is a file, not a folder") }
            let names = (try? fm.contentsOfDirectory(atPath: target)) ?? []
            if let stranger = names.first(where: { !ownedNames.contains($0) && !$0.hasPrefix(".") }) {
                throw WriteError(
                    "\(path) already holds '\(stranger)', which is not part of a saved model; choose another folder")
            }
        }
        do { try fm.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
            throw WriteError("cannot create \(parent): \(error.localizedDescription)")
        }
        let fresh = sibling(target, "new")
        try? fm.removeItem(atPath: fresh)
        do {
            try fm.createDirectory(atPath: fresh, withIntermediateDirectories: false)
            try build(fresh)
            try markComplete(fresh)
            syncDirectory(fresh)
        } catch {
            try? fm.removeItem(atPath: fresh)
            throw error
        }
        guard exists else {
            guard rename(fresh, target) == 0 else {
                let why = String(cString: strerror(errno))
                try? fm.removeItem(atPath: fresh)
                throw WriteError("cannot rename into \(path): \(why)")
            }
            syncDirectory(parent)
            return
        }
        let swapped = gradlab_exchange_paths(fresh, target)
        if swapped == 0 {
            syncDirectory(parent)
            try? fm.removeItem(atPath: fresh)  // now the old folder
            return
        }
        // No atomic exchange here: old → .old, new → target. A crash between
        // the two renames leaves a complete .new that recoverDirectory moves in.
        let old = sibling(target, "old")
        try? fm.removeItem(atPath: old)
        guard rename(target, old) == 0 else {
            let why = String(cString: strerror(errno))
            try? fm.removeItem(atPath: fresh)
            throw WriteError("cannot replace \(path): \(why)")
        }
        guard rename(fresh, target) == 0 else {
            let why = String(cString: strerror(errno))
            _ = rename(old, target)
            try? fm.removeItem(atPath: fresh)
            throw WriteError("cannot replace \(path): \(why)")
        }
        syncDirectory(parent)
        try? fm.removeItem(atPath: old)
    }

    /// Finishes a folder replacement that a crash interrupted: a complete new
    /// folder whose target is missing is moved into place; leftovers are removed.
    public static func recoverDirectory(_ path: String) {
        let target = URL(fileURLWithPath: path).standardizedFileURL.path
        let fm = FileManager.default
        let fresh = sibling(target, "new")
        let old = sibling(target, "old")
        if !fm.fileExists(atPath: target) {
            if fm.fileExists(atPath: fresh + "/.complete") {
                _ = rename(fresh, target)
            } else if fm.fileExists(atPath: old) {
                _ = rename(old, target)
            }
        }
        // A .new without the marker was never finished; an .old was superseded.
        if fm.fileExists(atPath: target) {
            try? fm.removeItem(atPath: fresh)
            try? fm.removeItem(atPath: old)
        }
    }

    /// Marks a folder built by `replaceDirectory` as complete (written after
    /// everything `build` wrote), so recovery never moves in a half-built one.
    static func markComplete(_ folder: String) throws {
        try writeFlushed(Data(), to: folder + "/.complete")
    }

    static func sibling(_ target: String, _ tag: String) -> String {
        let u = URL(fileURLWithPath: target)
        return u.deletingLastPathComponent().path + "/." + u.lastPathComponent + ".gradlab-" + tag
    }

    /// Writes a file and flushes it to the disk before returning.
    public static func writeFlushed(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var written = 0
        let limit = failAfterBytes
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            while written < raw.count {
                var chunk = min(raw.count - written, 1 << 24)
                if let limit {
                    if written >= limit { throw WriteError("cannot write \(path): No space left on device") }
                    chunk = min(chunk, limit - written)
                }
                let n = Glibc.write(fd, raw.baseAddress! + written, chunk)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw WriteError("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                written += n
            }
        }
        guard fsync(fd) == 0 else { throw WriteError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    /// Flushes a folder's entries (a rename is durable only after this).
    public static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
