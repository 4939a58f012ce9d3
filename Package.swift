// swift-tools-version:6.0
import PackageDescription

/// gradlab's modules depend one way:
/// C libraries ← GradTensor (engine) ← GradNN (Keras-style models) ← GradShell (commands, rendering, notebook) ← gradlab (readline, signals).
#if arch(x86_64)
let portableCPU = ["-target-cpu", "nehalem"]
#else
let portableCPU: [String] = []
#endif

/// The tensor engine in release: no overflow or bounds checks. Built for
/// Nehalem, x86-64-v2 (SSE4.2; every x86-64 CPU since 2009), so a binary runs
/// on any current x86-64 CPU: the products choose AVX-512 or AVX2 kernels at
/// run time (CGemm). Its 32-bit vector multiply keeps dropout's mask hash
/// fast: MC Dropout (W3, 100 passes) took 1.16–1.35 s at the SSE2 baseline,
/// 0.80–0.85 s at x86-64-v2. Swift never fuses a multiply and an add on its
/// own, so the element-wise kernels give the same bits on every CPU.
let fastMath: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"] + portableCPU, .when(configuration: .release))]
/// The model library in release: -O, so overflow, bounds and exclusivity
/// checks stay on. It reads untrusted files (IDX, NPY,
/// CSV, safetensors, model.json), and this is the build the fuzzers test
/// (Fuzz/README.md). Its hot loops call GradTensor's kernels, so the checks cost
/// nothing measurable: a 63-step training run took 1,699.5M instructions checked
/// against 1,772.2M unchecked (callgrind, one thread; see the commit message).
let checked: [SwiftSetting] = [.unsafeFlags(portableCPU, .when(configuration: .release))]

let package = Package(
    name: "gradlab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gradlab", targets: ["gradlab"]),
        .library(name: "GradNN", targets: ["GradNN"]),
        .library(name: "GradShell", targets: ["GradShell"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Authenticated encryption (ChaCha20-Poly1305) for sealed exercise goals.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // OpenBLAS: only the bench's floor and sweep compare with it.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CReadline", providers: [.apt(["libreadline-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .target(name: "GradTensor", dependencies: ["CGemm"],
                swiftSettings: fastMath),
        .target(name: "CFileOps"),
        // Deterministic sgemm (same bits on every path and CPU): GradTensor's products, and the
        // hottest element-wise kernels (paths.h). Per-function target attributes pick AVX-512 /
        // AVX2+FMA at run time; no -march.
        .target(name: "CGemm", path: "Sources/CGemm",
                cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off", "-fno-math-errno"])]),
        .target(name: "GradNN", dependencies: ["GradTensor", "CGemm", "CZlib", "CDeflate", "CFileOps"],
                swiftSettings: checked),
        .target(name: "GradShell", dependencies: ["GradNN", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(name: "gradlab", dependencies: [
            "GradShell", "CReadline",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "gradlab-sgemm-floor", dependencies: ["CBLAS"], path: "bench/floor"),
        .executableTarget(name: "gradlab-sweep", dependencies: ["GradNN", "CBLAS"], path: "bench/sweep",
                          swiftSettings: fastMath),
        .target(name: "TestSupport", dependencies: ["GradNN"], path: "Tests/TestSupport"),
        .testTarget(name: "GradTensorTests", dependencies: ["GradTensor", "TestSupport"]),
        .testTarget(name: "GradNNTests", dependencies: ["GradNN", "TestSupport"]),
        .testTarget(name: "GradShellTests", dependencies: ["GradShell", "TestSupport"], exclude: ["Snapshots"]),
    ],
    swiftLanguageModes: [.v5]
)
