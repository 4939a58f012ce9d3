// gradlab-sgemm-floor: the sgemm floor of an MLP workload.
//
// Performs exactly the cblas_sgemm calls of the workload on preallocated
// buffers through the same OpenBLAS gradlab links, and nothing else (no bias,
// activation, loss, optimizer, data gathering or allocation), then prints the
// median wall time of --repeat runs.
//
// Training mode (one epoch):
//   gradlab-sgemm-floor --layers 784,300,100,10 --batch 32 --samples 55000 [--repeat 3]
//   per step (ceil(samples/batch) steps, the last one partial like Keras'):
//     forward         Z_l  = A_l · W_l          [B,in]·[in,out]      (every layer)
//     weight grads    dW_l = A_lᵀ · dZ_l        [in,B]·[B,out]       (every layer)
//     input grads     dA_l = dZ_l · W_lᵀ        [B,out]·[out,in]     (every layer but the first)
//   Activations are row-major [batch, features], kernels row-major [in, out];
//   transposes come from sgemm's flags, never from copies.
//
// MC Dropout mode (forward only):
//   gradlab-sgemm-floor --mc-passes 100 --mc-samples 10000 --layers 784,300,100,10 [--batch 10000]
//   passes × samples rows pushed through the forward sgemms in chunks of
//   --batch rows (default 1000, the fastest measured here; all passes are
//   independent, so any chunking is a valid schedule).
//
// Other flags: --first-input-grad (also dA_0 = dZ_0 · W_0ᵀ, for a model with a
//   trainable layer before its first Dense, like W2's input BatchNormalization),
//   --repeat N (default 3), --warmup N (untimed runs, default 1),
//   --threads N (OpenBLAS threads; 0 = OpenBLAS' default) or --threads auto (per
//   call site the faster of 1 thread and OpenBLAS' default, measured on one
//   untimed run each: the floor of a library that picks threads per shape), --json.
// Output: `floor seconds=<median> ...` or one JSON object with --json.

import CBLAS

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func fail(_ message: String) -> Never {
    fputs("gradlab-sgemm-floor: \(message)\n", stderr)
    fputs("usage: gradlab-sgemm-floor --layers 784,300,100,10 --batch 32 --samples 55000 [--repeat 3] [--threads N] [--json]\n", stderr)
    fputs("       gradlab-sgemm-floor --mc-passes 100 --mc-samples 10000 --layers 784,300,100,10 [--batch 10000] [--repeat 3]\n", stderr)
    exit(2)
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

// MARK: arguments

var layers: [Int] = [784, 300, 100, 10]
var batch: Int? = nil
var samples = 55_000
var repeatCount = 3
var warmup = 1
var threads = 0
var json = false
var firstInputGrad = false
var autoThreads = false
var mcPasses: Int? = nil
var mcSamples = 10_000

var args = Array(CommandLine.arguments.dropFirst())
func value(_ flag: String) -> String {
    guard !args.isEmpty else { fail("\(flag) needs a value") }
    return args.removeFirst()
}
func intValue(_ flag: String, min: Int = 1) -> Int {
    let s = value(flag)
    guard let v = Int(s.filter { $0 != "_" }), v >= min else { fail("bad value for \(flag): \(s)") }
    return v
}
while !args.isEmpty {
    let a = args.removeFirst()
    switch a {
    case "--layers":
        let s = value(a)
        let parts = s.split(separator: ",").map { Int($0) }
        guard parts.count >= 2, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { fail("bad --layers \(s)") }
        layers = parts.map { $0! }
    case "--batch": batch = intValue(a)
    case "--samples": samples = intValue(a)
    case "--repeat": repeatCount = intValue(a)
    case "--warmup": warmup = intValue(a, min: 0)
    case "--threads":
        if args.first == "auto" { args.removeFirst(); autoThreads = true } else { threads = intValue(a, min: 0) }
    case "--mc-passes": mcPasses = intValue(a)
    case "--mc-samples": mcSamples = intValue(a)
    case "--json": json = true
    case "--first-input-grad": firstInputGrad = true
    case "-h", "--help":
        fail("help")
    default: fail("unknown argument \(a)")
    }
}


if threads > 0 { openblas_set_num_threads(Int32(threads)) }
let blasThreads = Int(openblas_get_num_threads())
let blasCore = String(cString: openblas_get_corename())

let isMC = mcPasses != nil
let B = batch ?? (isMC ? min(1000, mcSamples) : 32)
let nLayers = layers.count - 1

// MARK: buffers (all allocated once, filled with small pseudo-random values)

var rngState: UInt64 = 0x9E37_79B9_7F4A_7C15
func nextFloat() -> Float {
    // splitmix64 -> uniform in [-0.5, 0.5)
    rngState &+= 0x9E37_79B9_7F4A_7C15
    var z = rngState
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Float(z >> 40) / Float(1 << 24) - 0.5
}
func buffer(_ count: Int, scale: Float) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
    for i in 0..<count { p[i] = nextFloat() * scale }
    return p
}

// acts[l]: input of layer l, [B, layers[l]]; acts[nLayers] = network output
let acts = (0...nLayers).map { buffer(B * layers[$0], scale: 1) }
// deltas[l]: gradient w.r.t. the output of layer l, [B, layers[l+1]]
let deltas = (0..<nLayers).map { buffer(B * layers[$0 + 1], scale: 0.1) }
let kernels = (0..<nLayers).map { buffer(layers[$0] * layers[$0 + 1], scale: Float(2.0 / Double(layers[$0])).squareRoot()) }
let inputGrad = buffer(firstInputGrad ? B * layers[0] : 1, scale: 0)
let kernelGrads = (0..<nLayers).map { buffer(layers[$0] * layers[$0 + 1], scale: 0) }

// MARK: sgemm call sites (forward l: l; weight grad l: nLayers + l; input grad l: 2 nLayers + l)

let maxThreads = Int32(blasThreads)
var siteThreads = [Int32](repeating: maxThreads, count: 3 * nLayers)
var siteSeconds = [Double](repeating: 0, count: 3 * nLayers)
var currentThreads = maxThreads
var calibrating = false

@inline(__always)
func gemm(_ site: Int, _ ta: CBLAS_TRANSPOSE, _ tb: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ k: Int32,
          _ a: UnsafeMutablePointer<Float>, _ lda: Int32, _ b: UnsafeMutablePointer<Float>, _ ldb: Int32,
          _ c: UnsafeMutablePointer<Float>, _ ldc: Int32) {
    if autoThreads, siteThreads[site] != currentThreads {
        currentThreads = siteThreads[site]
        openblas_set_num_threads(currentThreads)
    }
    if calibrating {
        let t0 = now()
        cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
        siteSeconds[site] += now() - t0
    } else {
        cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
    }
}

@inline(__always)
func forward(rows m: Int) {
    for l in 0..<nLayers {
        let k = Int32(layers[l]), n = Int32(layers[l + 1])
        gemm(l, CblasNoTrans, CblasNoTrans, Int32(m), n, k, acts[l], k, kernels[l], n, acts[l + 1], n)
    }
}

@inline(__always)
func backward(rows m: Int) {
    for l in stride(from: nLayers - 1, through: 0, by: -1) {
        let k = Int32(layers[l]), n = Int32(layers[l + 1])
        // dW_l = A_lᵀ · dZ_l   [in, out]
        gemm(nLayers + l, CblasTrans, CblasNoTrans, k, n, Int32(m), acts[l], k, deltas[l], n, kernelGrads[l], n)
        if l > 0 {
            // dA_l = dZ_l · W_lᵀ  [B, in] -> becomes dZ_{l-1} (activation derivative is not sgemm)
            gemm(2 * nLayers + l, CblasNoTrans, CblasTrans, Int32(m), k, n, deltas[l], n, kernels[l], n, deltas[l - 1], k)
        } else if firstInputGrad {
            // a trainable layer before the first Dense (W2's input BatchNormalization) needs dA_0
            gemm(2 * nLayers, CblasNoTrans, CblasTrans, Int32(m), k, n, deltas[0], n, kernels[0], n, inputGrad, k)
        }
    }
}

/// One run of the workload; returns (seconds, sgemm calls, flops).
func runOnce() -> (Double, Int, Double) {
    var calls = 0
    var flops = 0.0
    var perRowFwd = 0.0, perRowBwd = 0.0
    for l in 0..<nLayers {
        let mac = 2.0 * Double(layers[l] * layers[l + 1])
        perRowFwd += mac
        perRowBwd += (l > 0 || firstInputGrad) ? 2 * mac : mac
    }
    let t0 = now()
    if let passes = mcPasses {
        var remaining = passes * mcSamples
        while remaining > 0 {
            let m = min(B, remaining)
            forward(rows: m)
            calls += nLayers
            flops += perRowFwd * Double(m)
            remaining -= m
        }
    } else {
        var start = 0
        while start < samples {
            let m = min(B, samples - start)
            forward(rows: m)
            backward(rows: m)
            calls += 3 * nLayers - (firstInputGrad ? 0 : 1)
            flops += (perRowFwd + perRowBwd) * Double(m)
            start += m
        }
    }
    return (now() - t0, calls, flops)
}

for _ in 0..<warmup { _ = runOnce() }
if autoThreads && maxThreads > 1 {
    // one untimed run per setting, timing every call site; keep the faster setting per site
    calibrating = true
    var perSetting: [[Double]] = []
    for t in [Int32(1), maxThreads] {
        siteThreads = [Int32](repeating: t, count: 3 * nLayers)
        siteSeconds = [Double](repeating: 0, count: 3 * nLayers)
        _ = runOnce()
        perSetting.append(siteSeconds)
    }
    calibrating = false
    siteThreads = (0..<(3 * nLayers)).map { perSetting[0][$0] < perSetting[1][$0] ? 1 : maxThreads }
}
let threadsText = autoThreads ? "auto:" + siteThreads.map(String.init).joined(separator: "") : String(blasThreads)
var times: [Double] = []
var calls = 0
var flops = 0.0
for _ in 0..<repeatCount {
    let (t, c, f) = runOnce()
    times.append(t)
    calls = c
    flops = f
}
let sorted = times.sorted()
let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2]
    : 0.5 * (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2])

func fmt(_ x: Double, _ digits: Int = 4) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let n = Int((x * scale).rounded())
    let whole = String(n / Int(scale))
    guard digits > 0 else { return whole }
    let frac = String(n % Int(scale))
    return whole + "." + String(repeating: "0", count: digits - frac.count) + frac
}

let mode = isMC ? "mc" : "train"
let layerText = layers.map(String.init).joined(separator: ",")
let gflops = flops / median / 1e9
if json {
    let timesText = times.map { fmt($0, 6) }.joined(separator: ",")
    print("{\"mode\":\"\(mode)\",\"layers\":[\(layerText)],\"batch\":\(B),"
        + (isMC ? "\"mc_passes\":\(mcPasses!),\"mc_samples\":\(mcSamples)," : "\"samples\":\(samples),")
        + "\"first_input_grad\":\(firstInputGrad),\"sgemm_calls\":\(calls),\"blas_threads\":\"\(threadsText)\",\"blas_core\":\"\(blasCore)\",\"repeat\":\(repeatCount),"
        + "\"seconds\":\(fmt(median, 6)),\"min_seconds\":\(fmt(sorted[0], 6)),\"times\":[\(timesText)],"
        + "\"gflops\":\(fmt(gflops, 2))}")
} else {
    print("floor seconds=\(fmt(median)) min=\(fmt(sorted[0])) mode=\(mode) layers=\(layerText) batch=\(B) "
        + (isMC ? "passes=\(mcPasses!) samples=\(mcSamples) " : "samples=\(samples) ")
        + "sgemm_calls=\(calls) blas_threads=\(threadsText) blas_core=\(blasCore) repeat=\(repeatCount) gflops=\(fmt(gflops, 1))")
}
