import FuzzDriver
import Foundation

/// The body each fuzz target registers; called once per input.
nonisolated(unsafe) private var fuzzBody: ((UnsafeBufferPointer<UInt8>) -> Void)?

/// Runs libFuzzer with `body` as the test function, passing the process's
/// own arguments (`-max_total_time=…`, corpus folders, …). Never returns.
public func runFuzzer(_ body: @escaping (UnsafeBufferPointer<UInt8>) -> Void) -> Never {
    fuzzBody = body
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let rc = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        fuzzBody!(UnsafeBufferPointer(start: data, count: size))
        return 0
    }
    exit(rc)
}

/// Stops the fuzzer with a message; libFuzzer saves the input as a crash.
public func finding(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("\n==== FINDING: " + message + "\n").utf8))
    abort()
}

/// The bytes as text, or nil when they are not valid UTF-8 (a file loader
/// would refuse them before parsing).
public func utf8Text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
    String(validating: bytes, as: UTF8.self)
}
