// swift-tools-version:6.0
import PackageDescription

/// libFuzzer targets for gradlab (see run.sh). Built with
/// `swift build -c release -Xswiftc -sanitize=fuzzer,address …` so the
/// library modules are coverage-instrumented too; each target defines
/// `LLVMFuzzerTestOneInput` and no `main` (libFuzzer supplies it).
let fuzzFlags: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let names = ["fuzz-command", "fuzz-idx", "fuzz-csv", "fuzz-transcript", "fuzz-safetensors", "fuzz-model-json"]

let package = Package(
    name: "gradlab-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "gradlab", path: "..")],
    targets: names.map { name in
        .executableTarget(name: name,
                          dependencies: [.product(name: "GradNN", package: "gradlab"),
                                         .product(name: "GradShell", package: "gradlab")],
                          path: "Sources/\(name)",
                          swiftSettings: fuzzFlags)
    },
    swiftLanguageModes: [.v5]
)
