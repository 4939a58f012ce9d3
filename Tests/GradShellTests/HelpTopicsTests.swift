import XCTest

@testable import GradShell

final class HelpTopicsTests: XCTestCase {
    func help(_ line: String) -> Cell { Session().run(line) }

    func testEveryTopicListsCommandsKeysOrExamples() {
        for t in HelpTopics.all {
            let cell = help("help \(t.name)")
            XCTAssertFalse(cell.failed, cell.output)
            XCTAssertTrue(cell.output.hasPrefix("\(t.name) — ") || cell.output.contains("\n\(t.name) — "), cell.output)
            XCTAssertGreaterThanOrEqual(
                cell.output.components(separatedBy: "\n    e.g. ").count - 1, 1, "\(t.name): no example\n\(cell.output)"
            )
            XCTAssertFalse(cell.output.contains("\n  help "), "help itself is not listed under \(t.name)")
        }
    }

    /// Keys come from the specs: the batchnorm keys of `add`, the clipping keys of `compile`.
    func testTopicsAreDerivedFromTheCommandSpecs() {
        let bn = help("help batchnorm").output
        for needle in ["\n  add ", "momentum=", "epsilon=", "e.g. explain bn", "\n  vars "] {
            XCTAssertTrue(bn.contains(needle), "batchnorm lacks '\(needle)':\n\(bn)")
        }
        XCTAssertFalse(bn.contains("clipnorm="), bn)
        let clip = help("help clipping").output
        for needle in ["\n  compile ", "clipnorm=", "clipvalue=", "global_clipnorm=", "\n  clip "] {
            XCTAssertTrue(clip.contains(needle), "clipping lacks '\(needle)':\n\(clip)")
        }
        XCTAssertFalse(clip.contains("\n    momentum="), clip)
        let mc = help("help mc").output
        for needle in ["\n  predict ", "\n  evaluate ", "samples="] {
            XCTAssertTrue(mc.contains(needle), "mc lacks '\(needle)'")
        }
        let initializers = help("help initializers").output
        XCTAssertTrue(initializers.contains("kernel_initializer="), initializers)
        XCTAssertTrue(help("help transcripts").output.contains("\n  replay "))
        XCTAssertTrue(help("help schedules").output.contains("learning_rate="))
    }

    func testAliasesUnknownTopicsListAndCompletion() {
        XCTAssertEqual(help("help bn").output, help("help batchnorm").output)
        let bad = help("help batchnrom")
        XCTAssertTrue(bad.failed)
        XCTAssertTrue(bad.output.contains("did you mean 'batchnorm'"), bad.output)
        XCTAssertTrue(help("help").output.contains("TOPICS  batchnorm, dropout, mc, clipping"))
        XCTAssertEqual(Completer.complete("help batc"), ["batchnorm"])
        XCTAssertTrue(help("help fit").output.hasPrefix("fit — "), "a command still wins")
        let both = help("help activations").output
        XCTAssertTrue(both.hasPrefix("activations — per-layer output"), both)
        XCTAssertTrue(both.contains("\nactivations — activation functions"), "the topic follows the command:\n\(both)")
    }
}
