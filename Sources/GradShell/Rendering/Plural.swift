/// `1 epoch`, `3 epochs`, `1 pass`, `100 passes`: a count and its noun in the right number.
public func plural(_ count: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
    "\(count) " + (count == 1 ? singular : pluralForm ?? singular + "s")
}
