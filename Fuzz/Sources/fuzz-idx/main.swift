import FuzzSupport
import Foundation
import GradNN

// IDX.parse and IDX.read (the input as a file, plain or gzipped) on
// arbitrary bytes must return a consistent array or throw a DataError. When the input holds the separator "@@LABELS@@", the two halves
// are written as an images file and a labels file and loaded together with
// IDX.load, as `data idx IMAGES LABELS` does.
// Files go to /dev/shm when there is one, written with plain fwrite (FileManager's
// createFile writes a temporary file and renames it): about 370 executions per
// second before, 1,200–2,000 after.
let dir = (FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory)
    .appendingPathComponent("gradlab-fuzz-idx-\(getpid())").path
try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
let separator = Array("@@LABELS@@".utf8)

func write<C: Collection>(_ bytes: C, to path: String) where C.Element == UInt8 {
    guard let f = fopen(path, "wb") else { fatalError("cannot write \(path)") }
    let n = Array(bytes).withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    fclose(f)
    if n != bytes.count { fatalError("short write to \(path)") }
}

func check(_ bytes: [UInt8]) {
    do {
        let a = try IDX.parse(bytes, name: "fuzz.idx")
        let total = a.dimensions.reduce(1, *)
        if total != a.bytes.count { finding("IDX.parse returned \(a.dimensions) with \(a.bytes.count) bytes") }
    } catch is DataError {
    } catch {
        finding("IDX.parse threw a non-DataError: \(error)")
    }
}

/// IDX.read on the input as a file: gzip-looking inputs go through the
/// whole-file libdeflate path and, when it declines, zlib's streaming one.
func checkFile(_ bytes: [UInt8]) {
    let path = dir + "/single.idx"
    write(bytes, to: path)
    do {
        let a = try IDX.read(path)
        if a.dimensions.reduce(1, *) != a.bytes.count { finding("IDX.read returned \(a.dimensions) with \(a.bytes.count) bytes") }
    } catch is DataError {
    } catch {
        finding("IDX.read threw a non-DataError: \(error)")
    }
}

runFuzzer { buffer in
    let bytes = Array(buffer)
    check(bytes)
    checkFile(bytes)
    guard let cut = (0..<max(0, bytes.count - separator.count + 1)).first(where: { bytes[$0..<($0 + separator.count)].elementsEqual(separator) }) else { return }
    let ip = dir + "/images.idx", lp = dir + "/labels.idx"
    write(bytes[..<cut], to: ip)
    write(bytes[(cut + separator.count)...], to: lp)
    do {
        let s = try IDX.load(images: ip, labels: lp)
        if s.count > 0 && s.featureCount > 0 { _ = s.value(sample: s.count - 1, feature: s.featureCount - 1) }
        let split = DataSplit(storage: s, range: 0..<s.count)
        _ = split.fitStandardization()
        let classes = Int(s.targets.max() ?? 0) + 1
        _ = try Dataset(name: "fuzz", train: split, classCount: classes).withValidation(last: 1)
    } catch is DataError {
    } catch {
        finding("IDX.load threw a non-DataError: \(error)")
    }
}
