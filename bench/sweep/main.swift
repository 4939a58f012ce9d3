// gradlab-sweep: how gradlab's per-step cost grows with the model (issue 9,
// `make bench SWEEP=1`).
//
// For each configuration (width W, depth D, batch B) it builds the GradNN
// model
//     input 784 → D × Dense(W, relu, he_normal) → Dense(10, softmax)
//     loss sparse_categorical_crossentropy, optimizer SGD(learning_rate=0.01)
// through the public API, feeds one fixed batch of random inputs in [0, 1)
// whose random labels change every step (16 draws in turn, so the loss stays
// near ln 10 instead of underflowing into denormals), and times `Sequential.trainStep` (the fused-SGD path a
// `fit` takes; no data gathering, no metrics).  In blocks interleaved with
// those it times only the step's cblas_sgemm calls, on preallocated buffers:
//     forward        Z_l  = A_l · W_l            every layer
//     weight grads   W_l += ∓lr · A_lᵀ · dZ_l    every layer (β = 1, in place, as gradlab's fused update)
//     input grads    dA_l = dZ_l · W_lᵀ          every layer but the first
// with the thread rule gradlab's OpenBLAS products had (one OpenBLAS thread below
// `multithreadedWork` multiply-adds, otherwise GRADLAB_BLAS_THREADS or all
// cores), and again with every call on 1 thread and every call on all threads
// (per call site the faster of the two = `sgemm_best_us`, the floor of a
// perfect per-shape thread choice).
//
// Timing: warm-up steps for --warmup-time seconds (at least 3 steps), then
// --blocks blocks of n steps each, n chosen from the warm-up so that all
// blocks together take about --min-time seconds (at most --max-steps steps
// in all); each number is the median over the blocks of the block's mean
// per-step time.
//
//   gradlab-sweep --width 256 --depth 2 --batch 32 [--json]
//   gradlab-sweep --config 32,2,32 --config 64,2,32 ... [--json]   (W,D,B each)
//   gradlab-sweep --grid FILE        (one "W D B" or "W,D,B" per line; # comments)
// Other flags: --min-time S (default 0.5), --blocks N (5), --max-steps N
// (20000), --warmup-time S (0.05), --seed N, --no-sgemm.
// Output: one line per configuration on stdout (one JSON object with --json);
// `others_cpu_pct` = the share of all CPUs other processes used during the
// timed blocks (from /proc/stat and getrusage): above ~15 the numbers are perturbed.

import CBLAS
import GradNN
import GradTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func fail(_ message: String) -> Never {
    fputs("gradlab-sweep: \(message)\n", stderr)
    fputs("usage: gradlab-sweep --width W --depth D --batch B [--json] | --config W,D,B ... | --grid FILE\n"
        + "       [--min-time 0.5] [--blocks 5] [--max-steps 20000] [--warmup-time 0.05] [--seed 1] [--no-sgemm]\n", stderr)
    exit(2)
}

@inline(__always)
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

// MARK: arguments

struct Config { var width: Int, depth: Int, batch: Int }

var configs: [Config] = []
var width: Int?, depth: Int?, batch: Int?
var json = false
var minTime = 0.5
var blocks = 5
var maxSteps = 20_000
var warmupTime = 0.05
var seed: UInt64 = 1
var measureSgemm = true

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
func doubleValue(_ flag: String) -> Double {
    let s = value(flag)
    guard let v = Double(s), v >= 0 else { fail("bad value for \(flag): \(s)") }
    return v
}
func parseConfig(_ s: Substring) -> Config? {
    let parts = s.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }).compactMap { Int($0) }
    guard parts.count == 3, parts.allSatisfy({ $0 > 0 }) else { return nil }
    return Config(width: parts[0], depth: parts[1], batch: parts[2])
}
while !args.isEmpty {
    let a = args.removeFirst()
    switch a {
    case "--width": width = intValue(a)
    case "--depth": depth = intValue(a)
    case "--batch": batch = intValue(a)
    case "--config":
        let s = value(a)
        guard let c = parseConfig(Substring(s)) else { fail("bad --config \(s) (want W,D,B)") }
        configs.append(c)
    case "--grid":
        let path = value(a)
        guard let f = fopen(path, "r") else { fail("cannot read \(path)") }
        var text = ""
        var buf = [CChar](repeating: 0, count: 4096)
        while fgets(&buf, Int32(buf.count), f) != nil { text += String(cString: buf) }
        fclose(f)
        for line in text.split(separator: "\n") {
            let body = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            if body.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            guard let c = parseConfig(body) else { fail("bad line in \(path): \(line)") }
            configs.append(c)
        }
    case "--json": json = true
    case "--min-time": minTime = doubleValue(a)
    case "--blocks": blocks = intValue(a)
    case "--max-steps": maxSteps = intValue(a)
    case "--warmup-time": warmupTime = doubleValue(a)
    case "--seed": seed = UInt64(intValue(a, min: 0))
    case "--no-sgemm": measureSgemm = false
    case "-h", "--help": fail("help")
    default: fail("unknown argument \(a)")
    }
}
if width != nil || depth != nil || batch != nil {
    configs.append(Config(width: width ?? 256, depth: depth ?? 2, batch: batch ?? 32))
}
if configs.isEmpty { fail("no configuration given") }

let inputs = 784, classes = 10
let learningRate: Float = 0.01
/// Label draws the fixed batch cycles through (see `run`).
let labelSets = 16
/// Products of at least this many multiply-adds ran on all OpenBLAS threads.
let multithreadedWork = 40_000_000
let maxThreads: Int = {
    // GradTensor's BLAS.maximum (internal): GRADLAB_BLAS_THREADS or all cores
    if let s = getenv("GRADLAB_BLAS_THREADS"), let n = Int(String(cString: s)), n > 0 { return n }
    return Int(openblas_get_num_procs())
}()
let blasCore = String(cString: openblas_get_corename())

// MARK: helpers

/// Fixed pseudo-random contents for the sgemm-only buffers (GradTensor's generator).
var fillRng = RandomGenerator(seed: 0x9E37_79B9)
func buffer(_ count: Int, scale: Float) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    for i in 0..<count { p[i] = Float.random(in: -0.5..<0.5, using: &fillRng) * scale }
    return p
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
}

func fmt(_ x: Double, _ digits: Int = 3) -> String {
    guard x.isFinite else { return x.isNaN ? "null" : (x > 0 ? "1e308" : "-1e308") }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let neg = x < 0
    let n = Int((abs(x) * scale).rounded())
    let whole = String(n / Int(scale))
    guard digits > 0 else { return (neg ? "-" : "") + whole }
    let frac = String(n % Int(scale))
    return (neg ? "-" : "") + whole + "." + String(repeating: "0", count: digits - frac.count) + frac
}

// MARK: what other processes use

/// CPU seconds of the whole machine (busy, total) from /proc/stat, and this
/// process' own CPU seconds: `othersPercent` between two readings is the share
/// of all CPUs that other processes used meanwhile (nil without /proc).
struct CPUReading {
    var busy = 0.0, total = 0.0, own = 0.0, ok = false

    static func now() -> CPUReading {
        var r = CPUReading()
        var ru = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &ru)
        #else
        getrusage(RUSAGE_SELF, &ru)
        #endif
        r.own = Double(ru.ru_utime.tv_sec) + Double(ru.ru_utime.tv_usec) * 1e-6
            + Double(ru.ru_stime.tv_sec) + Double(ru.ru_stime.tv_usec) * 1e-6
        guard let f = fopen("/proc/stat", "r") else { return r }
        defer { fclose(f) }
        var buf = [CChar](repeating: 0, count: 512)
        guard fgets(&buf, Int32(buf.count), f) != nil else { return r }
        let fields = String(cString: buf).split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 5 else { return r }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        // user nice system idle iowait irq softirq steal ...; idle + iowait = not busy
        let idle = fields[3] + fields[4]
        let total = fields.prefix(8).reduce(0, +)
        r.busy = (total - idle) / hz
        r.total = total / hz
        r.ok = true
        return r
    }

    func othersPercent(since a: CPUReading) -> Double? {
        guard ok, a.ok, total > a.total else { return nil }
        return max(0, 100 * ((busy - a.busy) - (own - a.own)) / (total - a.total))
    }
}

// MARK: the sgemm-only step

/// The sgemm calls of one training step on preallocated buffers. Inputs of
/// every call are fixed random buffers and outputs go to separate buffers, so
/// values neither grow nor vanish (no denormals) however deep the model. As in
/// gradlab, forward, update and input gradient use one kernel buffer per layer
/// (the working set matters once it nears the caches' size); the update's sign
/// alternates so that the kernels stay within lr·|Aᵀ·dZ| of their start.
final class SgemmStep {
    let layers: [Int], b: Int, n: Int
    let ins: [UnsafeMutablePointer<Float>]      // A_l [B, in_l]
    let outs: [UnsafeMutablePointer<Float>]     // Z_l [B, out_l]
    let kernels: [UnsafeMutablePointer<Float>]  // W_l [in_l, out_l]
    let deltas: [UnsafeMutablePointer<Float>]   // dZ_l [B, out_l]
    let inGrads: [UnsafeMutablePointer<Float>]  // dA_l [B, in_l]
    /// Call sites in step order: (kind 0 forward / 1 weight grad / 2 input grad, layer).
    let sites: [(Int, Int)]
    var siteSeconds: [Double]
    /// What one `now()` pair costs: subtracted from every clocked call.
    let clockCost: Double
    var sign: Float = -1

    init(layers: [Int], batch: Int) {
        self.layers = layers
        b = batch
        n = layers.count - 1
        ins = (0..<n).map { buffer(batch * layers[$0], scale: 1) }
        outs = (0..<n).map { buffer(batch * layers[$0 + 1], scale: 0) }
        kernels = (0..<n).map { buffer(layers[$0] * layers[$0 + 1], scale: Float(2.0 / Double(layers[$0])).squareRoot()) }
        deltas = (0..<n).map { buffer(batch * layers[$0 + 1], scale: 0.1) }
        inGrads = (0..<n).map { buffer($0 == 0 ? 0 : batch * layers[$0], scale: 0) }
        var s: [(Int, Int)] = (0..<n).map { (0, $0) }
        for l in stride(from: n - 1, through: 0, by: -1) {
            s.append((1, l))
            if l > 0 { s.append((2, l)) }
        }
        sites = s
        siteSeconds = [Double](repeating: 0, count: s.count)
        var pairs: [Double] = []
        for _ in 0..<5 {
            let t0 = now()
            for _ in 0..<2000 { _ = now() - now() }
            pairs.append((now() - t0) / 2000)
        }
        clockCost = median(pairs)
    }

    deinit {
        for p in ins + outs + kernels + deltas + inGrads { p.deallocate() }
    }

    /// Multiply-adds per step.
    var macs: Int {
        var t = 0
        for l in 0..<n { t += b * layers[l] * layers[l + 1] * (l == 0 ? 2 : 3) }
        return t
    }

    /// threadMode: 0 = gradlab's rule, otherwise that many threads for every call.
    /// With `timeSites` every call is clocked into `siteSeconds`.
    @inline(__always)
    func step(threadMode: Int, current: inout Int, timeSites: Bool) {
        // alternate the update's sign so the updated kernels stay bounded
        sign = -sign
        let alpha = sign * learningRate
        for (i, (kind, l)) in sites.enumerated() {
            let inD = Int32(layers[l]), outD = Int32(layers[l + 1]), m = Int32(b)
            let work = b * layers[l] * layers[l + 1]  // m·n·k, the same for all three products
            let want = threadMode == 0 ? (work < multithreadedWork ? 1 : maxThreads) : threadMode
            if want != current { openblas_set_num_threads(Int32(want)); current = want }
            let t0 = timeSites ? now() : 0
            switch kind {
            case 0:  // Z = A · W            [B,in]·[in,out]
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, outD, inD, 1,
                            ins[l], inD, kernels[l], outD, 0, outs[l], outD)
            case 1:  // W += -lr · Aᵀ · dZ   [in,B]·[B,out]
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, inD, outD, m, alpha,
                            ins[l], inD, deltas[l], outD, 1, kernels[l], outD)
            default:  // dA = dZ · Wᵀ        [B,out]·[out,in]
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, inD, outD, 1,
                            deltas[l], outD, kernels[l], outD, 0, inGrads[l], inD)
            }
            if timeSites { siteSeconds[i] += max(now() - t0 - clockCost, 0) }
        }
    }
}

// MARK: one configuration

func run(_ c: Config) -> String {
    var rng = RandomGenerator(seed: seed)
    let model = Sequential()
    do {
        for _ in 0..<c.depth {
            try model.add(Dense(units: c.width, activation: .relu, kernelInitializer: .named("he_normal")!), rng: &rng)
        }
        try model.add(Dense(units: classes, activation: .softmax), rng: &rng)
        try model.build(inputShape: [inputs], rng: &rng)
    } catch {
        fail("building the model failed: \(error)")
    }
    model.loss = .sparseCategoricalCrossentropy
    model.optimizer = Optimizer(rule: SGD(), learningRate: learningRate)
    let params = model.counts.total

    // One fixed batch of pixels uniform in [0, 1); its labels cycle through
    // `labelSets` random draws, so the model cannot fit them and the loss stays
    // near ln 10. (With fixed labels it memorizes the batch within a few hundred
    // steps, the softmax gradients underflow into denormals and every sgemm of
    // the step slows down many-fold; PyTorch showed 30× slower steps that way.)
    let x = Tensor(zeros: [c.batch, inputs])
    for i in 0..<x.count { x.data[i] = Float(Double.random(in: 0..<1, using: &rng)) }
    let y = UnsafeMutablePointer<Float>.allocate(capacity: labelSets * c.batch)
    defer { y.deallocate() }
    for i in 0..<(labelSets * c.batch) { y[i] = Float(Int.random(in: 0..<classes, using: &rng)) }

    var lastLoss: Float = .nan
    var stepIndex = 0
    func steps(_ k: Int) {
        for _ in 0..<k {
            lastLoss = model.trainStep(x, targets: y + (stepIndex % labelSets) * c.batch, rng: &rng).loss
            stepIndex += 1
        }
    }

    // warm-up: at least 3 steps and warmupTime seconds; the rate from its second half
    var warmSteps = 0
    let w0 = now()
    var half = w0, halfSteps = 0
    while warmSteps < 3 || now() - w0 < warmupTime {
        steps(1)
        warmSteps += 1
        if warmSteps == 2 { half = now(); halfSteps = warmSteps }
        if warmSteps >= maxSteps { break }
    }
    let perStepGuess = max((now() - half) / Double(max(warmSteps - halfSteps, 1)), 1e-7)
    let perBlock = max(1, min(Int((minTime / Double(blocks) / perStepGuess).rounded(.up)), max(1, maxSteps / blocks)))

    let layers = [inputs] + [Int](repeating: c.width, count: c.depth) + [classes]
    let sg = measureSgemm ? SgemmStep(layers: layers, batch: c.batch) : nil
    var current = Int(openblas_get_num_threads())
    let saved = current
    if let sg {
        // warm the sgemm buffers and OpenBLAS' own (both thread settings)
        for mode in [0, 1, maxThreads] { sg.step(threadMode: mode, current: &current, timeSites: false) }
    }
    openblas_set_num_threads(Int32(saved))  // hand OpenBLAS back to GradTensor's BLAS in the state it left it
    current = saved

    let cpu0 = CPUReading.now()
    var stepTimes: [Double] = [], sgemmTimes: [Double] = [], oneTimes: [Double] = [], maxTimes: [Double] = []
    var oneSites = [Double](repeating: 0, count: sg?.sites.count ?? 0)
    var maxSites = oneSites
    for _ in 0..<blocks {
        var t0 = now()
        steps(perBlock)
        stepTimes.append((now() - t0) / Double(perBlock))
        guard let sg else { continue }
        t0 = now()
        for _ in 0..<perBlock { sg.step(threadMode: 0, current: &current, timeSites: false) }
        sgemmTimes.append((now() - t0) / Double(perBlock))
        for (mode, isOne) in [(1, true), (maxThreads, false)] {
            for i in sg.siteSeconds.indices { sg.siteSeconds[i] = 0 }
            for _ in 0..<perBlock { sg.step(threadMode: mode, current: &current, timeSites: true) }
            let total = sg.siteSeconds.reduce(0, +) / Double(perBlock)
            if isOne { oneTimes.append(total) } else { maxTimes.append(total) }
            for i in sg.siteSeconds.indices {
                if isOne { oneSites[i] += sg.siteSeconds[i] } else { maxSites[i] += sg.siteSeconds[i] }
            }
        }
        openblas_set_num_threads(Int32(saved))
        current = saved
    }
    let others = CPUReading.now().othersPercent(since: cpu0)
    let us = 1e6
    let step = median(stepTimes) * us
    var fields: [(String, String)] = [
        ("framework", "\"gradlab\""), ("width", "\(c.width)"), ("depth", "\(c.depth)"), ("batch", "\(c.batch)"),
        ("params", "\(params)"),
        ("step_us", fmt(step)), ("step_us_blocks", "[" + stepTimes.map { fmt($0 * us) }.joined(separator: ",") + "]"),
        ("steps_per_block", "\(perBlock)"), ("blocks", "\(blocks)"), ("warmup_steps", "\(warmSteps)"),
    ]
    var text = "gradlab width=\(c.width) depth=\(c.depth) batch=\(c.batch) step_us=\(fmt(step, 2))"
    if let sg {
        let sgemm = median(sgemmTimes) * us
        let totalSteps = Double(perBlock * blocks)
        let best = zip(oneSites, maxSites).reduce(0) { $0 + min($1.0, $1.1) } / totalSteps * us
        let bestSites = zip(oneSites, maxSites).map { $0.0 <= $0.1 ? "1" : "\(maxThreads)" }.joined()
        fields += [
            // The floor: per call, the faster of one and all OpenBLAS threads (gradlab itself
            // may run a large product's two halves on two cores; see GemmSplitter).
            ("sgemm_us", fmt(best)), ("sgemm_rule_us", fmt(sgemm)),
            ("sgemm_rule_us_blocks", "[" + sgemmTimes.map { fmt($0 * us) }.joined(separator: ",") + "]"),
            ("overhead_us", fmt(step - best)),
            ("sgemm_1t_us", fmt(median(oneTimes) * us)), ("sgemm_maxt_us", fmt(median(maxTimes) * us)),
            ("sgemm_best_us", fmt(best)), ("sgemm_best_threads", "\"\(bestSites)\""),
            ("sgemm_calls", "\(sg.sites.count)"), ("mflop", fmt(2.0 * Double(sg.macs) / 1e6)),
        ]
        text += " sgemm_us=\(fmt(best, 2)) overhead_us=\(fmt(step - best, 2)) sgemm_rule_us=\(fmt(sgemm, 2))"
    }
    fields += [("others_cpu_pct", others.map { fmt($0, 1) } ?? "null"), ("loss", fmt(Double(lastLoss), 5)), ("blas_max_threads", "\(maxThreads)"),
               ("single_thread_below", "\(multithreadedWork)"), ("blas_core", "\"\(blasCore)\"")]
    text += " steps=\(perBlock)x\(blocks) loss=\(fmt(Double(lastLoss), 4))"
    return json ? "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}" : text
}

for c in configs {
    print(run(c))
    fflush(stdout)
}
