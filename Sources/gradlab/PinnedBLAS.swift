import Foundation
import GradTensor

/// Makes OpenBLAS use the same kernels on every x86 machine with AVX2, so that a
/// transcript recorded on one computer replays with the same numbers on another.
///
/// OpenBLAS chooses its sgemm kernel for the CPU it finds when it is loaded:
/// AVX-512 kernels on recent Intel CPUs, AVX2 ones elsewhere. They add the
/// products in different orders, so the last bits differ, and a few epochs of
/// training turn last bits into a different third decimal. Measured: tutorial 12
/// recorded on an Intel Cooper Lake machine gave test accuracy 0.8077; replayed
/// on an AMD Zen 3 one it gave 0.8241. The Haswell kernels are the same code
/// with the same blocking on every such CPU, so pinned runs should agree (checked
/// on Zen 3, where `Haswell` and `Zen` give identical replays; no AVX-512
/// machine was at hand to check the other side).
///
/// OpenBLAS reads `OPENBLAS_CORETYPE` when it is loaded, before any of our code
/// runs. A DYNAMIC_ARCH OpenBLAS (Debian's) can choose again: with the variable
/// set, `gotoblas_dynamic_quit` then `gotoblas_dynamic_init` switch its kernel
/// table, before the first product. Those two are exported but not in
/// `cblas.h`, so they are looked up at run time, and the switch is checked with
/// the public `openblas_get_corename`. Where that is not possible the process
/// sets the variable and executes itself again (~10 ms).
///
/// Nothing is pinned when `OPENBLAS_CORETYPE` is already set, when the CPU lacks
/// AVX2 or FMA, or when `GRADLAB_BLAS_CORE=native` asks for the kernels OpenBLAS
/// would pick (faster on AVX-512 machines; results then replay exactly only on
/// the same kind of CPU).
enum PinnedBLAS {
    /// The kernel family every AVX2 machine can run.
    static let coreType = "Haswell"

    static func pinOrReexecute() {
        guard getenv("OPENBLAS_CORETYPE") == nil else { return }
        if Tuning.nativeBLASKernels { return }
        guard cpuHasAVX2AndFMA() else { return }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        if switchInProcess() { return }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // The exec failed (no /proc, say): go on with the kernels OpenBLAS chose.
        unsetenv("OPENBLAS_CORETYPE")
    }

    /// The kernel family OpenBLAS is using now, in lower case ("haswell", "zen" …).
    static var currentCore: String? {
        typealias Name = @convention(c) () -> UnsafePointer<CChar>?
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "openblas_get_corename"),
              let name = unsafeBitCast(symbol, to: Name.self)() else { return nil }
        return String(cString: name).lowercased()
    }

    /// Re-runs OpenBLAS' kernel choice with `OPENBLAS_CORETYPE` set; true when it now uses `coreType`.
    private static func switchInProcess() -> Bool {
        typealias Call = @convention(c) () -> Void
        let program = dlopen(nil, RTLD_NOW)
        guard let quit = dlsym(program, "gotoblas_dynamic_quit"), let initialize = dlsym(program, "gotoblas_dynamic_init")
        else { return false }
        unsafeBitCast(quit, to: Call.self)()
        unsafeBitCast(initialize, to: Call.self)()
        return currentCore == coreType.lowercased()
    }

    static func cpuHasAVX2AndFMA() -> Bool {
        #if arch(x86_64) && os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let flags = Set(line.split(separator: " "))
        return flags.contains("avx2") && flags.contains("fma")
        #else
        return false
        #endif
    }
}
