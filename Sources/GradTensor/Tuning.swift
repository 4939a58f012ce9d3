import Foundation

/// Every `GRADLAB_*` environment variable the engine reads, read here once,
/// when first used, but `GRADLAB_KERNEL=avx512|avx2|scalar`, which CGemm reads
/// itself when it chooses its kernels (see `BLAS.kernel`). None of them
/// changes a result's bits, only where and how fast it is computed.
public enum Tuning {
    /// `GRADLAB_SPLIT_MIN_WORK`: products of at least this many multiply-adds
    /// are computed as two column halves (see `GemmSplitter`).
    public nonisolated(unsafe) static var splitWork = integer("GRADLAB_SPLIT_MIN_WORK", atLeast: 0) ?? 500_000
    /// Layers whose kernel-gradient product has fewer multiply-adds than this
    /// are updated on the main thread, not in the background (`Background`):
    /// handing a job of a microsecond to the other core costs what it saves,
    /// and keeps that core spinning.
    public static let backgroundWork = 65_536
    /// `GRADLAB_PARALLEL=0` keeps the two halves of split work on one core,
    /// `=1` always uses two (tests set it to compare the two); unset, timings
    /// decide (see `TwoCoreRunner`).
    public nonisolated(unsafe) static var twoCores: Bool? = text("GRADLAB_PARALLEL").map { $0 != "0" }

    static func text(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    static func integer(_ name: String, atLeast minimum: Int) -> Int? {
        guard let s = text(name), let n = Int(s), n >= minimum else { return nil }
        return n
    }
}
