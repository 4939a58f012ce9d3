import FuzzSupport
import Foundation
import GradNN
import GradTensor

// SafeTensors.decode on arbitrary bytes (ASan catches any read past the
// buffer): must return or throw ModelError; decoded tensors must re-encode.
// Each input is tried twice: as the raw file, and as "JSON header, NUL,
// data" with a correct length prefix, so mutations reach the offset checks
// instead of stopping at the length field.
func check(_ data: Data, _ what: String) {
    do {
        let (tensors, meta) = try SafeTensors.decode(data, name: what)
        let list = tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let again = try SafeTensors.encode(list, metadata: meta)
        let (t2, _) = try SafeTensors.decode(again, name: "reencoded")
        if t2.count != tensors.count { finding("re-encoded file has \(t2.count) tensors, not \(tensors.count)") }
        for (k, t) in tensors where t2[k]?.shape != t.shape { finding("tensor \(k) changed shape on re-encoding") }
    } catch is ModelError {
    } catch {
        finding("SafeTensors.decode threw a non-ModelError: \(error)")
    }
}

runFuzzer { bytes in
    check(Data(bytes), "raw.safetensors")
    let header = bytes.prefix { $0 != 0 }
    var framed = Data()
    var n = UInt64(header.count).littleEndian
    withUnsafeBytes(of: &n) { framed.append(contentsOf: $0) }
    framed.append(contentsOf: header)
    framed.append(contentsOf: bytes.dropFirst(header.count + 1))
    check(framed, "framed.safetensors")
}
