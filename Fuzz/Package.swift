// swift-tools-version:6.0
import PackageDescription

/// libFuzzer targets for gradlab; run.sh builds and runs them:
///
///     swift build -c release -Xswiftc -O -Xswiftc -enable-testing -Xswiftc -sanitize=fuzzer,address
///
/// `-sanitize=fuzzer` is passed for every Swift module (not as a per-target
/// unsafeFlag) so the library code under test is coverage-instrumented too;
/// `-O` keeps overflow and bounds traps on (GradNN, with the file readers, is
/// built so in gradlab's release build too; here `-O` also overrides
/// GradTensor's `-Ounchecked`). SwiftPM links an executable's `main` to `<module>_main`,
/// so each target's main.swift calls libFuzzer's `LLVMFuzzerRunDriver`
/// (FuzzSupport.runFuzzer) instead of using libFuzzer's own `main`.
let targets = ["fuzz-command", "fuzz-idx", "fuzz-csv", "fuzz-transcript", "fuzz-safetensors", "fuzz-model-json", "fuzz-npy"]

let package = Package(
    name: "gradlab-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "gradlab", path: "..")],
    targets: [
        .target(name: "FuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["FuzzDriver"]),
    ] + targets.map { name in
        .executableTarget(name: name,
                          dependencies: ["FuzzSupport",
                                         .product(name: "GradNN", package: "gradlab"),
                                         .product(name: "GradShell", package: "gradlab")],
                          path: "Sources/\(name)",
                          // gold crashes (internal error in format_file_lineno) linking
                          // the sanitized objects; lld from the toolchain works.
                          linkerSettings: [.unsafeFlags(["-use-ld=lld"])])
    },
    swiftLanguageModes: [.v5]
)
