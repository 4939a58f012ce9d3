import FuzzSupport
import Foundation
import GradNN

// ModelStore.fromArchitecture on whatever JSONSerialization makes of the
// bytes (as ModelStore.load does for model.json): must return or throw
// ModelError. A rebuilt model must describe itself again.
runFuzzer { bytes in
    let data = Data(bytes)
    guard data.count < 10_000_000, let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return }
    do {
        let m = try ModelStore.fromArchitecture(obj)
        let arch = ModelStore.architecture(m)
        _ = try JSONSerialization.data(withJSONObject: arch, options: [.sortedKeys])
        _ = m.counts
        _ = m.summary()
    } catch is ModelError {
    } catch {
        finding("fromArchitecture threw a non-ModelError: \(error)")
    }
}
