/// Element-wise work in two halves, on two cores when that measures faster.
/// Every element is computed by the same code whichever way it runs, so the
/// results do not depend on it (the split point is a multiple of `granule`,
/// which keeps each element in the same SIMD lane position).
public enum Parallel {
    /// Below this many elements the work runs in one piece.
    public static let minimumElements = 16_384

    /// The kinds of element-wise work, whose timings are kept apart.
    public enum Work: Hashable, Sendable {
        case activation, activationBackward
        case normalizationForward, normalizationBackward
        case gatherBatch, productEpilogue, foldedDenseBackward
        case optimizerUpdate, dropout
    }

    /// `body(lo, hi)` over [0, count), as [h, count) here and [0, h) on the worker, h a multiple of `granule`.
    /// `body` must write only its own range.
    public static func halves(_ count: Int, granule: Int = 8, elementsPerItem: Int = 1, kind: Work,
                              _ body: @escaping (_ lo: Int, _ hi: Int) -> Void) {
        guard count * elementsPerItem >= minimumElements, count >= 2 * granule else { body(0, count); return }
        // The main thread, which starts first, takes the larger part (see `GemmSplitter`).
        let h = (count / 2) / granule * granule
        TwoCoreRunner.shared.run(.elementwise(kind, count: count, perItem: elementsPerItem), { body(h, count) }, { body(0, h) })
    }

    /// `body(range)` over items of the given sizes, as two ranges of items
    /// with about half the elements each (on two cores when that measures
    /// faster): for independent pieces of work such as one optimizer update
    /// per variable. `body` must write only its own items.
    public static func items(sizes: [Int], kind: Work, _ body: @escaping (_ items: Range<Int>) -> Void) {
        let total = sizes.reduce(0, +)
        guard total >= minimumElements, sizes.count >= 2 else { body(0..<sizes.count); return }
        var h = 0, seen = 0
        while h < sizes.count - 1, seen + sizes[h] <= total / 2 { seen += sizes[h]; h += 1 }
        // The item that crosses the middle goes to whichever side it unbalances less.
        if h < sizes.count - 1, seen + sizes[h] - total / 2 < total / 2 - seen { h += 1 }
        h = max(1, h)
        TwoCoreRunner.shared.run(.elementwise(kind, count: sizes.count, perItem: total), { body(0..<h) }, { body(h..<sizes.count) })
    }
}
