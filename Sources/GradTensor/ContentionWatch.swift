/// Notices when another process is using the machine's cores, so that
/// `TwoCoreRunner` keeps work on one core for a while: a second core of ours
/// would then take time from the main thread, or leave it waiting for a half
/// whose core was given to someone else.
///
/// Three signs, which per-key probes of a few calls miss (a probe sees the
/// calls where both threads happened to run):
/// - the main thread got less than 80 % of the wall time in two windows of
///   ~10 ms of work in a row (its CPU clock against the wall clock);
/// - twice within 50 ms, a worker half ended more than 0.3 ms after the main
///   thread's own half and took over 4× as long: it was not running;
/// - twice within 50 ms, the main thread waited over 1 ms for a background
///   job (`Background`) the worker had claimed: it was not running. (A job
///   that long by itself, a layer of under 32 units over a wide input and a
///   large batch, leaves the main thread nothing to do meanwhile: one core
///   costs such a model nothing.)
/// One low window or one late half alone is what a virtual machine's host
/// does now and then, and going to one core for it costs more than it saves.
/// After a sign, one core for 50 ms, doubling while signs come back within a
/// second of the last, up to half a second; then two cores are tried again.
/// Nothing here changes a bit of any result: only where the two halves of
/// split work run.
struct ContentionWatch {
    static let window: UInt64 = 10_000_000
    static let firstSpan: UInt64 = 50_000_000
    static let longestSpan: UInt64 = 500_000_000
    static let stall: UInt64 = 300_000
    static let stallPair: UInt64 = 50_000_000
    static let backgroundStall: UInt64 = 1_000_000
    static let memory: UInt64 = 1_000_000_000

    /// Until this time (ns, `DispatchTime` uptime), every call runs on one core.
    private(set) var oneCoreUntil: UInt64 = 0
    private(set) var span: UInt64 = 0
    private(set) var signs = 0
    private var lastSign: UInt64 = 0
    private var windowStart: UInt64 = 0
    private var windowCPU: UInt64 = 0
    private var lowWindow = false
    private var lastStall: UInt64 = 0

    func oneCore(at now: UInt64) -> Bool { now < oneCoreUntil }

    /// Called with every piece of split work; reads the thread's CPU clock
    /// (`cpu`, a system call) once per window only.
    mutating func observeShare(at now: UInt64, cpu: () -> UInt64) {
        guard now &- windowStart >= Self.window else { return }
        let wall = now - windowStart, used = cpu()
        // A long window spans a pause (the prompt waiting for a line): not a sign.
        let low = windowStart != 0 && wall < 10 * Self.window && (used &- windowCPU) < wall / 10 * 8
        if low && lowWindow { sign(at: now) }
        lowWindow = low
        windowStart = now
        windowCPU = used
    }

    /// A two-core call: the main thread's half took `own` ns, then it waited `waited` ns for the worker's.
    mutating func observeWait(at now: UInt64, own: UInt64, waited: UInt64) {
        guard waited > max(Self.stall, 4 * own) else { return }
        stalled(at: now)
    }

    /// The main thread waited `waited` ns for a background job the worker had claimed
    /// (`Background`): most jobs are under `Tuning.splitWork` multiply-adds, tens of
    /// microseconds, so a wait of over `backgroundStall` is a worker that was not running.
    mutating func observeBackgroundWait(at now: UInt64, waited: UInt64) {
        guard waited > Self.backgroundStall else { return }
        stalled(at: now)
    }

    /// The worker was not running: a sign when it was already the case less than `stallPair` ago.
    private mutating func stalled(at now: UInt64) {
        if lastStall != 0 && now - lastStall < Self.stallPair { sign(at: now) }
        lastStall = now
    }

    private mutating func sign(at now: UInt64) {
        signs += 1
        span = span != 0 && now - lastSign < Self.memory ? min(2 * span, Self.longestSpan) : Self.firstSpan
        lastSign = now
        oneCoreUntil = now + span
    }
}
