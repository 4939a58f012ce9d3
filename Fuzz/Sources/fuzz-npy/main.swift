import FuzzSupport
import Foundation
import GradNN

// NPY.parse (a .npy file) and NPY.parseArchive (a .npz zip: stored and
// deflated entries, zip64 records) on arbitrary bytes: must return or throw
// DataError. A parsed array must hold as many elements as its shape says;
// an archive with arrays named x and y (or its first two) is turned into a
// data set as `data npz FILE` does.
func check(_ a: NPY.Array, _ what: String) {
    let n: Int
    switch a.values {
    case .float32(let f): n = f.count
    case .uint8(let b): n = b.count
    }
    if n != a.count { finding("\(what): shape \(a.shape) but \(n) elements") }
}

runFuzzer { bytes in
    let data = Data(bytes)
    do {
        check(try NPY.parse(data, name: "fuzz.npy"), "NPY.parse")
    } catch is DataError {
    } catch {
        finding("NPY.parse threw a non-DataError: \(error)")
    }
    do {
        let arrays = try NPY.parseArchive(data, name: "fuzz.npz")
        for (k, a) in arrays { check(a, "NPY.parseArchive entry \(k)") }
        let names = arrays.keys.sorted()
        if let x = arrays["x"] ?? names.first.flatMap({ arrays[$0] }),
           let y = arrays["y"] ?? (names.count > 1 ? arrays[names[1]] : nil) {
            let d = try NPY.dataset(x: x, y: y, name: "fuzz.npz")
            if d.train.count > 0 && d.train.featureCount > 0 {
                _ = d.train.storage.value(sample: d.train.count - 1, feature: d.train.featureCount - 1)
            }
        }
    } catch is DataError {
    } catch {
        finding("NPY.parseArchive threw a non-DataError: \(error)")
    }
}
