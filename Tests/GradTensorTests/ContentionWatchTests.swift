import XCTest

@testable import GradTensor

/// When another process uses the cores, split work stays on one core for a
/// while; a quiet machine never triggers it.
final class ContentionWatchTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    /// Windows of `share` CPU per wall time, each `length` long, from `start`.
    func feed(_ w: inout ContentionWatch, from start: UInt64, windows: Int, length: UInt64, share: Double, cpu: inout UInt64) -> UInt64 {
        var t = start
        for _ in 0..<windows {
            t += length
            cpu += UInt64(Double(length) * share)
            let c = cpu
            w.observeShare(at: t, cpu: { c })
        }
        return t
    }

    func testAFullShareNeverGoesToOneCore() {
        var w = ContentionWatch(), cpu: UInt64 = 0
        let end = feed(&w, from: 1_000 * ms, windows: 500, length: 10 * ms, share: 0.97, cpu: &cpu)
        XCTAssertEqual(w.signs, 0)
        XCTAssertFalse(w.oneCore(at: end))
    }

    func testALowShareGoesToOneCoreAndTheSpanDoublesWhileItLasts() {
        var w = ContentionWatch(), cpu: UInt64 = 0
        var t = feed(&w, from: 1_000 * ms, windows: 1, length: 10 * ms, share: 1, cpu: &cpu)  // first window: a start
        t = feed(&w, from: t, windows: 1, length: 10 * ms, share: 0.6, cpu: &cpu)
        XCTAssertEqual(w.signs, 0, "one low window is the host's noise")
        t = feed(&w, from: t, windows: 1, length: 10 * ms, share: 1, cpu: &cpu)
        t = feed(&w, from: t, windows: 1, length: 10 * ms, share: 0.6, cpu: &cpu)
        XCTAssertEqual(w.signs, 0, "nor two apart")
        t = feed(&w, from: t, windows: 1, length: 10 * ms, share: 0.6, cpu: &cpu)
        XCTAssertEqual(w.signs, 1, "two in a row are a sign")
        XCTAssertTrue(w.oneCore(at: t + 49 * ms))
        XCTAssertFalse(w.oneCore(at: t + 50 * ms), "50 ms at first")
        t = feed(&w, from: t, windows: 1, length: 10 * ms, share: 0.6, cpu: &cpu)
        XCTAssertEqual(w.span, 100 * ms)
        t = feed(&w, from: t, windows: 10, length: 10 * ms, share: 0.6, cpu: &cpu)
        XCTAssertEqual(w.span, 500 * ms, "at most half a second")
        // Quiet for more than a second: the next sign starts again at 50 ms.
        t = feed(&w, from: t, windows: 150, length: 10 * ms, share: 1, cpu: &cpu)
        XCTAssertFalse(w.oneCore(at: t))
        _ = feed(&w, from: t, windows: 2, length: 10 * ms, share: 0.5, cpu: &cpu)
        XCTAssertEqual(w.span, 50 * ms)
    }

    func testAPauseAtThePromptIsNotASign() {
        var w = ContentionWatch(), cpu: UInt64 = 0
        var t = feed(&w, from: 1_000 * ms, windows: 3, length: 10 * ms, share: 1, cpu: &cpu)
        t = feed(&w, from: t, windows: 1, length: 30_000 * ms, share: 0.001, cpu: &cpu)  // 30 s waiting for a line
        XCTAssertEqual(w.signs, 0)
        _ = feed(&w, from: t, windows: 5, length: 10 * ms, share: 1, cpu: &cpu)
        XCTAssertEqual(w.signs, 0)
    }

    func testTwoWorkerHalvesThatEndLongAfterTheMainHalfAreASign() {
        var w = ContentionWatch()
        w.observeWait(at: 1_000 * ms, own: 2 * ms, waited: 1 * ms)  // a long product, a little late: fine
        w.observeWait(at: 1_001 * ms, own: 50_000, waited: 200_000)  // 0.2 ms: within a time slice's noise
        w.observeWait(at: 1_002 * ms, own: 50_000, waited: 3 * ms)  // the worker was not running: once is noise
        XCTAssertEqual(w.signs, 0)
        w.observeWait(at: 1_100 * ms, own: 50_000, waited: 3 * ms)  // again, but 98 ms later
        XCTAssertEqual(w.signs, 0)
        w.observeWait(at: 1_120 * ms, own: 50_000, waited: 2 * ms)  // and again within 50 ms: a sign
        XCTAssertEqual(w.signs, 1)
        XCTAssertTrue(w.oneCore(at: 1_121 * ms))
        XCTAssertFalse(w.oneCore(at: 1_170 * ms))
    }

    func testTwoLongWaitsForABackgroundJobAreASign() {
        var w = ContentionWatch()
        w.observeBackgroundWait(at: 1_000 * ms, waited: 900_000)  // under a millisecond: a job still running
        w.observeBackgroundWait(at: 1_001 * ms, waited: 900_000)
        XCTAssertEqual(w.signs, 0)
        w.observeBackgroundWait(at: 1_010 * ms, waited: 3 * ms)  // the worker was not running: once is noise
        XCTAssertEqual(w.signs, 0)
        w.observeBackgroundWait(at: 1_070 * ms, waited: 3 * ms)  // again, but 60 ms later
        XCTAssertEqual(w.signs, 0)
        w.observeBackgroundWait(at: 1_100 * ms, waited: 2 * ms)  // and again within 50 ms: a sign
        XCTAssertEqual(w.signs, 1)
        XCTAssertTrue(w.oneCore(at: 1_149 * ms))
        XCTAssertFalse(w.oneCore(at: 1_150 * ms))
    }
}
