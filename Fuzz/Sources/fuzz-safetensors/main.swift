import FuzzSupport
import Foundation
import GradNN
import GradTensor

// SafeTensors.decode on arbitrary bytes (ASan catches any read past the
// buffer): must return or throw ModelError. Decoded tensors must re-encode.
runFuzzer { bytes in
    let data = Data(bytes)
    do {
        let (tensors, meta) = try SafeTensors.decode(data, name: "fuzz.safetensors")
        let list = tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let again = try SafeTensors.encode(list, metadata: meta)
        let (t2, _) = try SafeTensors.decode(again, name: "reencoded")
        if t2.count != tensors.count { finding("re-encoded file has \(t2.count) tensors, not \(tensors.count)") }
    } catch is ModelError {
    } catch {
        finding("SafeTensors.decode threw a non-ModelError: \(error)")
    }
}
