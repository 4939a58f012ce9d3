import CBLAS
import Foundation
import Synchronization

/// Runs large matrix products as two half-width products, on two cores when
/// that measures faster.
///
/// Why not OpenBLAS' own threads: their results differ in the last bits from
/// the one-thread results for some shapes (a different kernel sums in a
/// different order), so a thread count chosen by timing would make training
/// depend on the machine's load. Here a product of at least `minimumWork`
/// multiply-adds is *always* computed as two products over the left and right
/// halves of the output's columns, each on one OpenBLAS thread; whether the
/// halves run one after the other or side by side changes the time, never a
/// bit of the result. Per shape, the first calls time both ways and later
/// calls take the faster, re-measured after `probeEvery` calls (sooner after
/// choosing one core, `probeSoon`, so a one-off stall does not stick) because a
/// shared machine's load changes.
final class GemmSplitter: @unchecked Sendable {
    static let shared = GemmSplitter()

    /// Products with fewer multiply-adds than this are never split.
    nonisolated(unsafe) static var minimumWork: Int = {
        if let s = getenv("GRADLAB_SPLIT_MIN_WORK"), let n = Int(String(cString: s)), n >= 0 { return n }
        return 500_000
    }()
    /// `GRADLAB_PARALLEL=0` keeps the halves on one core, `=1` always uses two
    /// (tests set it to compare the two).
    nonisolated(unsafe) static var forced: Bool? = {
        guard let s = getenv("GRADLAB_PARALLEL") else { return nil }
        return String(cString: s) != "0"
    }()
    static let available = ProcessInfo.processInfo.activeProcessorCount > 1
    static let probeEvery = 256
    static let probeSoon = 32
    /// Nanoseconds the worker keeps spinning after a job before it sleeps.
    static let idleSpin: UInt64 = 5_000_000

    struct Shape: Hashable { var m, n, k: Int32; var ta, tb: Bool }
    struct Choice {
        var calls = 0
        /// The call that starts the next six timed calls (three each way).
        var probeAt = 0
        var sequential = [Double](), parallel = [Double]()
        var useParallel = false
    }
    private var choices: [Shape: Choice] = [:]

    // The worker: spins briefly after each job, then sleeps on a semaphore.
    // Job n is run by whichever thread claims it first (`taken` goes from
    // n − 1 to n): the worker, or the main thread once its own half is done.
    // So a worker that the machine has not scheduled in time never holds the
    // main thread up; the halves are the same calls either way.
    private let posted = Atomic<Int>(0)
    private let taken = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private nonisolated(unsafe) var job: (() -> Void)?
    private var started = false

    private func startWorker() {
        started = true
        let t = Thread { [unowned self] in self.workerLoop() }
        t.stackSize = 1 << 20
        t.start()
    }

    private func workerLoop() {
        // Signals (Ctrl-C) belong to the main thread and its readline.
        var all = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, nil)
        var seen = 0
        while true {
            // Spin for up to `idleSpin` after the last job: waking a sleeping thread (and, on a
            // virtual machine, its idle CPU) can take longer than a whole product.
            var spins = 0
            var since = DispatchTime.now().uptimeNanoseconds
            while posted.load(ordering: .sequentiallyConsistent) == seen {
                spins += 1
                if spins & 4095 == 0 && DispatchTime.now().uptimeNanoseconds - since > GemmSplitter.idleSpin {
                    sleeping.store(true, ordering: .sequentiallyConsistent)
                    if posted.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                    sleeping.store(false, ordering: .sequentiallyConsistent)
                    since = DispatchTime.now().uptimeNanoseconds
                }
            }
            seen = posted.load(ordering: .sequentiallyConsistent)
            guard taken.compareExchange(expected: seen - 1, desired: seen, ordering: .sequentiallyConsistent).exchanged else { continue }
            job?()
            finished.store(seen, ordering: .sequentiallyConsistent)
        }
    }

    /// `help: false` waits for the worker to run `b` (to wake it up).
    private func runInParallel(_ a: () -> Void, _ b: @escaping () -> Void, help: Bool = true) {
        if !started { startWorker() }
        job = b
        let n = posted.add(1, ordering: .sequentiallyConsistent).newValue
        if sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
        a()
        if help && taken.compareExchange(expected: n - 1, desired: n, ordering: .sequentiallyConsistent).exchanged {
            b()   // the worker has not started it: do it here
        } else {
            while finished.load(ordering: .sequentiallyConsistent) != n {}
        }
        job = nil
    }

    /// c = alpha·op(a)·op(b) + beta·c as two column halves, each one single-threaded sgemm
    /// (OpenBLAS is set to one thread before this is called).
    func gemm(m: Int32, n: Int32, k: Int32, ta: Bool, tb: Bool, alpha: Float,
              a: UnsafePointer<Float>, lda: Int32, b: UnsafePointer<Float>, ldb: Int32,
              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int32, epilogue: ((Range<Int>) -> Void)? = nil) {
        let left = (n / 2 + 7) / 8 * 8, right = n - left
        let bRight = tb ? b + Int(left) * Int(ldb) : b + Int(left)
        let cRight = c + Int(left)
        // Each half is one single-threaded sgemm (which zeroes c itself when β = 0: same bits
        // as OpenBLAS' scalar sgemm_beta; measured no faster for these large halves).
        func half(_ cols: Int32, _ bp: UnsafePointer<Float>, _ cp: UnsafeMutablePointer<Float>, _ columns: Range<Int>) {
            BLAS.gemmOnThisThread(m: Int(m), n: Int(cols), k: Int(k), a, lda: Int(lda), transposeA: ta,
                                  bp, ldb: Int(ldb), transposeB: tb, cp, ldc: Int(ldc), alpha: alpha, beta: beta)
            epilogue?(columns)
        }
        run(Shape(m: m, n: n, k: k, ta: ta, tb: tb), { half(left, b, c, 0..<Int(left)) },
            { half(right, bRight, cRight, Int(left)..<Int(n)) })
    }

    /// Runs `first` here and `second` one after the other or side by side on
    /// the worker, whichever the timings for `key` say is faster. The two must
    /// write disjoint memory and not call back into the splitter.
    func run(_ key: Shape, _ first: () -> Void, _ second: @escaping () -> Void) {
        var choice = choices[key] ?? Choice()
        let parallel: Bool
        let probing = choice.calls >= choice.probeAt && choice.calls < choice.probeAt + 6
        if let f = GemmSplitter.forced { parallel = f && GemmSplitter.available }
        else if !GemmSplitter.available { parallel = false }
        else if probing { parallel = (choice.calls - choice.probeAt) % 2 == 1 }
        else { parallel = choice.useParallel }
        if probing && choice.calls == choice.probeAt && GemmSplitter.forced == nil && GemmSplitter.available {
            // Wake the worker first: after a run of one-core calls it sleeps, and timing its
            // wake-up would make two cores look slow and keep them unused.
            runInParallel({}, {}, help: false)
        }
        let t0 = probing ? DispatchTime.now().uptimeNanoseconds : 0
        if parallel {
            runInParallel(first, second)
        } else {
            first()
            second()
        }
        if probing && GemmSplitter.forced == nil && GemmSplitter.available {
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0)
            if parallel { choice.parallel.append(dt) } else { choice.sequential.append(dt) }
            if choice.calls == choice.probeAt + 5 {
                // The faster by the minimum of three timings each (robust to a one-off stall).
                choice.useParallel = choice.parallel.min()! < 0.9 * choice.sequential.min()!
                choice.probeAt = choice.calls + 1 + (choice.useParallel ? GemmSplitter.probeEvery : GemmSplitter.probeSoon)
                choice.parallel.removeAll(keepingCapacity: true)
                choice.sequential.removeAll(keepingCapacity: true)
            }
        }
        choice.calls += 1
        choices[key] = choice
    }
}

/// Element-wise work in two halves, on two cores when that measures faster.
/// Every element is computed by the same code whichever way it runs, so the
/// results do not depend on it (the split point is a multiple of `granule`,
/// which keeps each element in the same SIMD lane position).
public enum Parallel {
    /// Below this many elements the work runs in one piece.
    public static let minimumElements = 16_384

    /// `body(lo, hi)` over [0, count), as [0, h) and [h, count) with h a multiple of `granule`.
    /// `kind` tells the timings of different kernels apart. `body` must write only its own range.
    public static func halves(_ count: Int, granule: Int = 8, elementsPerItem: Int = 1, kind: Int,
                              _ body: @escaping (_ lo: Int, _ hi: Int) -> Void) {
        guard count * elementsPerItem >= minimumElements, count >= 2 * granule else { body(0, count); return }
        let h = (count / 2) / granule * granule
        let key = GemmSplitter.Shape(m: Int32(truncatingIfNeeded: count), n: Int32(truncatingIfNeeded: elementsPerItem),
                                     k: Int32(-1 - kind), ta: true, tb: true)
        GemmSplitter.shared.run(key, { body(0, h) }, { body(h, count) })
    }
}
