import FuzzSupport
import GradNN

// CSV.parse on arbitrary UTF-8 text (CSV.load refuses non-UTF-8 before
// parsing). The first byte picks the label= argument; a parsed data set is
// then split, limited and standardized as `data csv … validation=1
// limit=… standardize=true` would.
let labels: [String?] = [nil, "0", "1", "-1", "label", "y", "999999999999999999999", ""]

runFuzzer { bytes in
    guard let first = bytes.first, let text = utf8Text(UnsafeBufferPointer(rebasing: bytes.dropFirst())) else { return }
    let label = labels[Int(first) % labels.count]
    do {
        let d = try CSV.parse(text, name: "fuzz.csv", label: label)
        let width = d.train.featureCount
        if d.train.count == 0 { finding("CSV.parse returned an empty training split") }
        if d.train.storage.targets.count * width != (d.train.storage.byteCount / 4) && width > 0 {
            // byteCount is 4 bytes per float feature: a mismatch means rows and targets disagree.
            finding("CSV.parse: \(d.train.storage.targets.count) targets but \(d.train.storage.byteCount) feature bytes for \(width) features")
        }
        _ = d.train.fitStandardization()
        if d.train.count > 1 { _ = try d.withValidation(last: 1) }
        _ = try d.limitingTrain(to: 1)
        let s = d.standardized()
        for i in 0..<min(s.train.count, 4) { for j in 0..<width { _ = s.train.storage.value(sample: i, feature: j) } }
    } catch is DataError {
    } catch {
        finding("CSV.parse threw a non-DataError: \(error)")
    }
}
