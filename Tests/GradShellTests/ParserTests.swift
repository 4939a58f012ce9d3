import Foundation
@testable import GradShell
import GradNN
import XCTest

final class ParserTests: XCTestCase {
    func parse(_ s: String) throws -> ParsedLine { try XCTUnwrap(Parser.parse(s)) }

    func testWordsKeywordsCallsListsAndRanges() throws {
        let p = try parse("compile loss=sparse_categorical_crossentropy optimizer=sgd(learning_rate=0.01, momentum=0.9, nesterov=true) clipnorm=1.0")
        XCTAssertEqual(p.command, "compile")
        XCTAssertEqual(p.arguments.map(\.key), ["loss", "optimizer", "clipnorm"])
        guard case .call("sgd", let pos, let kw) = p.arguments[1].value else { return XCTFail() }
        XCTAssertTrue(pos.isEmpty)
        XCTAssertEqual(kw.map(\.key), ["learning_rate", "momentum", "nesterov"])
        XCTAssertEqual(kw[0].value, .number(0.01, "0.01"))
        let q = try parse("predict mc samples=100 index=0..4")
        XCTAssertEqual(q.arguments[0].value, .word("mc"))
        XCTAssertEqual(q.arguments[2].value, .range(0, 4))
        let r = try parse("fit epochs=3 callbacks=early_stopping(patience=10),reduce_lr_on_plateau(factor=0.5, patience=5)")
        guard case .list(let items) = r.arguments[1].value else { return XCTFail() }
        XCTAssertEqual(items.count, 2)
        let s = try parse("replay tutorials/x.md --check --step")
        XCTAssertEqual(s.flags.map(\.name), ["check", "step"])
        XCTAssertEqual(try parse("vars 2            # gamma, beta").arguments.count, 1)
        XCTAssertNil(try Parser.parse("   "))
        XCTAssertNil(try Parser.parse("# just a comment"))
        XCTAssertEqual(try parse("expect val_accuracy >= 0.85").arguments[1].value, .word(">="))
    }

    func testErrorsPointAtTheProblem() {
        func err(_ s: String) -> ShellError? {
            do { _ = try Parser.parse(s); return nil } catch { return error as? ShellError }
        }
        XCTAssertEqual(err("compile optimizer=sgd(0.1")?.message.contains("never closed"), true)
        XCTAssertEqual(err("fit epochs=3)")?.message.contains("unbalanced"), true)
        XCTAssertEqual(err("fit epochs=")?.message.contains("needs a value"), true)
        XCTAssertEqual(err("@go")?.span, 0..<1)
        XCTAssertEqual(err("data \"unterminated")?.message.contains("unterminated"), true)
        XCTAssertNotNil(err(String(repeating: "a", count: 20_000)))
        XCTAssertNotNil(err("fit \u{01}"))
    }

    func testSuggestions() {
        XCTAssertEqual(Suggestions.closest(to: "fitt", in: Registry.names).first, "fit")
        XCTAssertEqual(Suggestions.closest(to: "sumary", in: Registry.names).first, "summary")
        XCTAssertEqual(Suggestions.distance("kitten", "sitting"), 3)
    }

    func testCompletionComesFromTheRegistry() {
        XCTAssertEqual(Completer.complete("he"), ["help"])
        XCTAssertTrue(Completer.complete("add ").contains("batchnorm"))
        XCTAssertTrue(Completer.complete("compile opt").contains("optimizer="))
        XCTAssertTrue(Completer.complete("add dense 10 kernel_initializer=he").contains("kernel_initializer=he_normal"))
        XCTAssertFalse(Completer.complete("add batchnorm ").contains("units="))
        XCTAssertTrue(Completer.complete("compile optimizer=").contains("optimizer=adam"))
    }
}

final class DocsTests: XCTestCase {
    /// docs/commands.md is generated from the registry; regenerate it with
    /// `printf 'help markdown\n' | gradlab | tail -n +2 > docs/commands.md`.
    func testCommandDocsAreInSyncWithTheRegistry() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/commands.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(text.trimmingCharacters(in: .whitespacesAndNewlines), HelpCommand.markdown().trimmingCharacters(in: .whitespacesAndNewlines),
                       "docs/commands.md is stale: regenerate it")
    }
}
