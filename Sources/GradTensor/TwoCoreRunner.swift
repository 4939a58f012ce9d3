import CGemm
import Foundation
import Synchronization

/// Runs two pieces of work one after the other or side by side on a second
/// core, whichever measures faster, keeping one worker thread.
///
/// Callers split work so that each output is computed by the same code
/// whichever way it runs: running on one core or two changes the time, never
/// a bit of the result. Per key, the first calls time both ways and later
/// calls take the faster, re-measured after `probeEvery` calls (sooner after
/// choosing one core, `probeSoon`, so a one-off stall does not stick) because a
/// shared machine's load changes. Over all keys, `ContentionWatch` keeps
/// everything on one core for a while when another process is using the
/// cores, which a probe of a few calls does not see. `Tuning.twoCores`
/// (`GRADLAB_PARALLEL`) forces either way.
final class TwoCoreRunner: @unchecked Sendable {
    static let shared = TwoCoreRunner()

    static let available = ProcessInfo.processInfo.activeProcessorCount > 1
    static let probeEvery = 256
    static let probeSoon = 32
    /// Nanoseconds the worker keeps spinning after a job before it sleeps.
    static let idleSpin: UInt64 = 5_000_000

    /// What the timings of a piece of work are kept under: a product's shape,
    /// or a kind of element-wise work and its size.
    enum Key: Hashable {
        case product(m: Int32, n: Int32, k: Int32, transposeA: Bool, transposeB: Bool)
        case elementwise(Parallel.Work, count: Int, perItem: Int)
    }
    struct Choice {
        var calls = 0
        /// The call that starts the next six timed calls (three each way).
        var probeAt = 0
        var sequential = [Double](), parallel = [Double]()
        var useParallel = false
    }
    private var choices: [Key: Choice] = [:]

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
        workerThread = pthread_self()
        var seen = 0
        while true {
            // Spin for up to `idleSpin` after the last job: waking a sleeping thread (and, on a
            // virtual machine, its idle CPU) can take longer than a whole product.
            var spins = 0
            var since = DispatchTime.now().uptimeNanoseconds
            while posted.load(ordering: .sequentiallyConsistent) == seen && !backgroundWaiting {
                cgemm_spin_pause()
                spins += 1
                if spins & 4095 == 0 && DispatchTime.now().uptimeNanoseconds - since > TwoCoreRunner.idleSpin {
                    sleeping.store(true, ordering: .sequentiallyConsistent)
                    if posted.load(ordering: .sequentiallyConsistent) == seen && !backgroundWaiting { wake.wait() }
                    sleeping.store(false, ordering: .sequentiallyConsistent)
                    since = DispatchTime.now().uptimeNanoseconds
                }
            }
            if runOneBackgroundJob() { continue }
            let p = posted.load(ordering: .sequentiallyConsistent)
            if p == seen { continue }
            seen = p
            guard taken.compareExchange(expected: seen - 1, desired: seen, ordering: .sequentiallyConsistent).exchanged else { continue }
            job?()
            finished.store(seen, ordering: .sequentiallyConsistent)
        }
    }

    // Background jobs (`Background`): posted in order by the main thread into a ring, each
    // run once by whichever thread claims it (`backgroundTaken` from i to i + 1): the worker,
    // or the main thread when it comes to wait for them. Only the main thread posts, and it
    // waits for all of them before it splits anything, so a split never waits behind them.
    static let backgroundSlots = 64
    private let backgroundRing = UnsafeMutablePointer<(() -> Void)?>.allocate(capacity: TwoCoreRunner.backgroundSlots)
    private let backgroundPosted = Atomic<Int>(0)
    private let backgroundTaken = Atomic<Int>(0)
    private let backgroundFinished = Atomic<Int>(0)
    /// Jobs whose closures the main thread has released (main thread only).
    private var backgroundReleased = 0
    /// The main thread is running background jobs in `waitForBackground` (main thread only).
    private var helping = false
    private nonisolated(unsafe) var workerThread: pthread_t? = nil

    private var backgroundWaiting: Bool {
        backgroundTaken.load(ordering: .sequentiallyConsistent) != backgroundPosted.load(ordering: .sequentiallyConsistent)
    }

    /// Claims and runs the oldest background job nobody has started; false when there is none.
    private func runOneBackgroundJob() -> Bool {
        let t = backgroundTaken.load(ordering: .sequentiallyConsistent)
        guard t != backgroundPosted.load(ordering: .sequentiallyConsistent) else { return false }
        guard backgroundTaken.compareExchange(expected: t, desired: t + 1, ordering: .sequentiallyConsistent).exchanged else { return true }
        backgroundRing[t % TwoCoreRunner.backgroundSlots]!()
        backgroundFinished.add(1, ordering: .sequentiallyConsistent)
        return true
    }

    /// Whether the worker may take background work now: two cores are allowed and no other
    /// process is taking the second one (`ContentionWatch`).
    private var backgroundOnWorker: Bool {
        if let f = Tuning.twoCores { return f && TwoCoreRunner.available }
        guard TwoCoreRunner.available else { return false }
        let now = DispatchTime.now().uptimeNanoseconds
        contention.observeShare(at: now, cpu: TwoCoreRunner.threadCPUTime)
        return !contention.oneCore(at: now)
    }

    /// Runs `job` on the worker while the caller goes on, or here and now when one
    /// core is in use. Main thread only; `waitForBackground` before using what it writes.
    func post(_ job: @escaping () -> Void) {
        guard backgroundOnWorker else { job(); return }
        if !started { startWorker() }
        let n = backgroundPosted.load(ordering: .sequentiallyConsistent)
        if n - backgroundReleased >= TwoCoreRunner.backgroundSlots { waitForBackground() }
        backgroundRing.advanced(by: n % TwoCoreRunner.backgroundSlots).initialize(to: job)
        backgroundPosted.store(n + 1, ordering: .sequentiallyConsistent)
        if sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
    }

    /// Returns when every posted background job has run, running those not yet started here.
    func waitForBackground() {
        let n = backgroundPosted.load(ordering: .sequentiallyConsistent)
        guard backgroundReleased != n else { return }
        helping = true
        while runOneBackgroundJob() {}
        helping = false
        if backgroundFinished.load(ordering: .sequentiallyConsistent) != n {
            // The worker is still running a job it claimed: a long wait means it was not running.
            let t0 = DispatchTime.now().uptimeNanoseconds
            while backgroundFinished.load(ordering: .sequentiallyConsistent) != n { cgemm_spin_pause() }
            let t1 = DispatchTime.now().uptimeNanoseconds
            if Tuning.twoCores == nil { contention.observeBackgroundWait(at: t1, waited: t1 - t0) }
        }
        // The closures (and what they hold) are released here, by the thread that posted them.
        for i in backgroundReleased..<n { backgroundRing.advanced(by: i % TwoCoreRunner.backgroundSlots).deinitialize(count: 1) }
        backgroundReleased = n
    }

    /// `help: false` waits for the worker to run `b` (to wake it up).
    private func runInParallel(_ a: () -> Void, _ b: @escaping () -> Void, help: Bool = true) {
        if !started { startWorker() }
        job = b
        let n = posted.add(1, ordering: .sequentiallyConsistent).newValue
        if sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        a()
        if help && taken.compareExchange(expected: n - 1, desired: n, ordering: .sequentiallyConsistent).exchanged {
            b()   // the worker has not started it: do it here
        } else {
            let t1 = DispatchTime.now().uptimeNanoseconds
            while finished.load(ordering: .sequentiallyConsistent) != n { cgemm_spin_pause() }
            let t2 = DispatchTime.now().uptimeNanoseconds
            if help { contention.observeWait(at: t2, own: t1 - t0, waited: t2 - t1) }
        }
        job = nil
    }

    private var contention = ContentionWatch()

    private static func threadCPUTime() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Runs `first` here and `second` one after the other or side by side on
    /// the worker, whichever the timings for `key` say is faster. The two must
    /// write disjoint memory and not call back into the splitter.
    func run(_ key: Key, _ first: () -> Void, _ second: @escaping () -> Void) {
        // From a background job, on the worker or on the main thread helping in
        // `waitForBackground` (waiting for the jobs again would wait for this one): here.
        if workerThread.map({ pthread_equal($0, pthread_self()) != 0 }) == true || helping {
            first()
            second()
            return
        }
        waitForBackground()
        if Tuning.twoCores == nil && TwoCoreRunner.available {
            let now = DispatchTime.now().uptimeNanoseconds
            contention.observeShare(at: now, cpu: TwoCoreRunner.threadCPUTime)
            if contention.oneCore(at: now) {
                first()
                second()
                return
            }
        }
        var choice = choices[key] ?? Choice()
        let parallel: Bool
        let probing = choice.calls >= choice.probeAt && choice.calls < choice.probeAt + 6
        if let f = Tuning.twoCores { parallel = f && TwoCoreRunner.available }
        else if !TwoCoreRunner.available { parallel = false }
        else if probing { parallel = (choice.calls - choice.probeAt) % 2 == 1 }
        else { parallel = choice.useParallel }
        if probing && choice.calls == choice.probeAt && Tuning.twoCores == nil && TwoCoreRunner.available {
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
        if probing && Tuning.twoCores == nil && TwoCoreRunner.available {
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0)
            if parallel { choice.parallel.append(dt) } else { choice.sequential.append(dt) }
            if choice.calls == choice.probeAt + 5 {
                // The faster by the minimum of three timings each (robust to a one-off stall).
                choice.useParallel = choice.parallel.min()! < 0.9 * choice.sequential.min()!
                choice.probeAt = choice.calls + 1 + (choice.useParallel ? TwoCoreRunner.probeEvery : TwoCoreRunner.probeSoon)
                choice.parallel.removeAll(keepingCapacity: true)
                choice.sequential.removeAll(keepingCapacity: true)
            }
        }
        choice.calls += 1
        choices[key] = choice
    }
}
