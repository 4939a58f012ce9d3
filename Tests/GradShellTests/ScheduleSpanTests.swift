import XCTest

@testable import GradShell

/// `schedule` without steps= shows the schedule's own span, not 10,000 steps
/// (a 237-step 1cycle used to be drawn over 10,000).
final class ScheduleSpanTests: XCTestCase {
    func testScheduleShowsItsOwnSpan() {
        let s = Session(seed: 1, sessionsDirectory: NSTemporaryDirectory() + "gradlab-span")
        for (line, span) in [("schedule one_cycle(max_rate=0.1, total_steps=237)", 237),
                             ("schedule exponential_decay(0.01, decay_steps=20, decay_rate=0.1)", 60),
                             ("schedule power(0.01, decay_steps=1000, decay_rate=1)", 10_000),
                             ("schedule piecewise(boundaries=[5,15], values=[0.01,0.005,0.001])", 23),
                             ("schedule one_cycle(max_rate=0.1, total_steps=237) steps=50", 50)] {
            XCTAssertTrue(s.run(line).output.contains("learning rate over \(span) steps"), line)
        }
    }
}
