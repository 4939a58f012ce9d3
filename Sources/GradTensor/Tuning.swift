import Foundation

/// Every `GRADLAB_*` environment variable the engine reads, read here once,
/// when first used. None of them changes a result's bits, only where and how
/// fast it is computed (or, for `GRADLAB_BLAS_CORE=native`, which CPUs
/// replay a transcript exactly).
public enum Tuning {
    /// `GRADLAB_BLAS_MIN_WORK`: on more than two cores, products of at least
    /// this many multiply-adds use all of OpenBLAS' threads; smaller ones one.
    public nonisolated(unsafe) static var blasMultithreadedWork = integer("GRADLAB_BLAS_MIN_WORK", atLeast: 0) ?? 40_000_000
    /// `GRADLAB_BLAS_THREADS`: the most threads OpenBLAS may use (default: its own count).
    public static let blasThreads = integer("GRADLAB_BLAS_THREADS", atLeast: 1)
    /// `GRADLAB_SPLIT_MIN_WORK`: products of at least this many multiply-adds
    /// are computed as two column halves (see `GemmSplitter`).
    public nonisolated(unsafe) static var splitWork = integer("GRADLAB_SPLIT_MIN_WORK", atLeast: 0) ?? 500_000
    /// `GRADLAB_PARALLEL=0` keeps the two halves of split work on one core,
    /// `=1` always uses two (tests set it to compare the two); unset, timings
    /// decide (see `TwoCoreRunner`).
    public nonisolated(unsafe) static var twoCores: Bool? = text("GRADLAB_PARALLEL").map { $0 != "0" }
    /// `GRADLAB_BLAS_CORE=native`: let OpenBLAS pick its kernels for this CPU
    /// instead of pinning the ones every AVX2 machine runs (see `PinnedBLAS`).
    public static let nativeBLASKernels = text("GRADLAB_BLAS_CORE") == "native"

    static func text(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    static func integer(_ name: String, atLeast minimum: Int) -> Int? {
        guard let s = text(name), let n = Int(s), n >= minimum else { return nil }
        return n
    }
}
