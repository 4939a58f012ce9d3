import Foundation
import Synchronization
import XCTest
@testable import GradTensor

/// `Background`: every posted job runs exactly once before `wait` returns,
/// on the worker or on the main thread, also past the ring's 64 slots and
/// with a split in between; on one core each runs as it is posted.
final class BackgroundTests: XCTestCase {
    override func tearDown() { Tuning.twoCores = nil }

    func testEveryJobRunsOnceBeforeWaitReturns() {
        for twoCores in [true, false] {
            Tuning.twoCores = twoCores
            let n = 3 * TwoCoreRunner.backgroundSlots + 5
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: n)
            counts.initialize(repeating: 0, count: n)
            defer { counts.deallocate() }
            let onWorker = Atomic<Int>(0)
            let main = pthread_self()
            for i in 0..<n {
                Background.post {
                    // Some work, so that the main thread catches up with the worker now and then.
                    var x = 0.0
                    for k in 0..<(i % 7) * 500 { x += Double(k) }
                    counts[i] += x >= 0 ? 1 : 0
                    if pthread_equal(pthread_self(), main) == 0 { onWorker.add(1, ordering: .relaxed) }
                }
                if i == n / 2 {
                    // A split waits for the jobs posted so far: its halves never run beside them.
                    var halves = [0, 0]
                    halves.withUnsafeMutableBufferPointer { h in
                        let p = h.baseAddress!
                        Parallel.halves(1 << 15, granule: 8, kind: .activation) { lo, hi in p[lo == 0 ? 0 : 1] = hi - lo }
                    }
                    XCTAssertEqual(halves[0] + halves[1], 1 << 15)
                    for j in 0...i { XCTAssertEqual(counts[j], 1, "job \(j) ran before the split") }
                }
            }
            Background.wait()
            for i in 0..<n { XCTAssertEqual(counts[i], 1, "job \(i), two cores: \(twoCores)") }
            if !twoCores { XCTAssertEqual(onWorker.load(ordering: .relaxed), 0, "one core: every job on the main thread") }
            Background.wait()  // nothing posted: returns at once
        }
    }

    /// A job that splits work of its own runs it on its own thread, whichever thread runs the job
    /// (the main thread, helping in `wait`, must not wait for the job it is running).
    func testAJobThatSplitsWorkRunsItOnItsThread() {
        Tuning.twoCores = true
        let total = Atomic<Int>(0)
        for _ in 0..<200 {
            Background.post {
                Parallel.halves(1 << 15, granule: 8, kind: .activation) { lo, hi in total.add(hi - lo, ordering: .relaxed) }
            }
        }
        Background.wait()
        XCTAssertEqual(total.load(ordering: .relaxed), 200 << 15)
    }

    func testOneCoreRunsEachJobWhenPosted() {
        Tuning.twoCores = false
        var ran = false
        Background.post { ran = true }
        XCTAssertTrue(ran)
        Background.wait()
    }
}
