import GradNN

extension Session {
    /// Everything a command may change, one line per part (cells aside): the
    /// generator, the data, the model's layers, variables (hashed bits),
    /// optimizer and history, and the session's own state. A failed command
    /// must leave it equal; the bad-input tests, the autosave tests and the
    /// command fuzzer all compare it. With `identities`, objects count too (a
    /// replaced model differs even with the same weights); without, two
    /// sessions that reached the same state compare equal.
    ///
    /// Taken after every line the fuzzer runs, so it formats by hand:
    /// `String(describing:)` of optionals and arrays took half of its time.
    public func stateFingerprint(identities: Bool = true) -> [String] {
        func ints(_ a: [Int]?) -> String { a.map { $0.map(String.init).joined(separator: "×") } ?? "nil" }
        func range(_ r: Range<Int>?) -> String { r.map { "\($0.lowerBound)..<\($0.upperBound)" } ?? "nil" }
        func bits(_ x: Float?) -> String { x.map { String($0.bitPattern) } ?? "nil" }
        func id(_ o: AnyObject) -> String { identities ? "\(ObjectIdentifier(o).hashValue)" : "-" }
        var f = ["seed \(seed) rng \(rng.state)"]
        if let d = data {
            f.append("data \(d.name) \(id(d.train.storage)) train \(range(d.train.range)) valid \(range(d.validation?.range)) test \(range(d.test?.range)) classes \(d.classCount) \(d.classNames.joined(separator: "|")) std \(d.train.standardization != nil) shape \(ints(d.sampleShape))")
        } else {
            f.append("no data")
        }
        if let m = model {
            f.append("model \(id(m)) input \(ints(m.inputShape)) loss \(m.loss?.rawValue ?? "nil") metrics \(m.metrics.joined(separator: "|")) frozen \(m.frozenNames.sorted().joined(separator: "|")) history \(m.history.epochs.count)")
            for l in m.layers { f.append("layer \(l.name) \(l.typeName) built \(l.isBuilt) frozen \(l.isFrozen)") }
            for p in m.parameters {
                var h = Hasher()
                for i in 0..<p.value.count { h.combine(p.value[i].bitPattern) }
                f.append("variable \(p.path) \(ints(p.value.shape)) trainable \(p.trainable) \(h.finalize())")
            }
            if let o = m.optimizer {
                var slots = Hasher()
                for p in m.parameters { for t in o.slots(of: p) { for i in 0..<t.count { slots.combine(t[i].bitPattern) } } }
                let c = o.clipping
                f.append("optimizer \(id(o)) \(o.rule.name) clip \(bits(c.clipValue)) \(bits(c.clipNorm)) \(bits(c.globalClipNorm)) lr \(o.learningRate.bitPattern) now \(o.currentLearningRate.bitPattern) it \(o.iterations) schedule \(o.schedule.map { $0.description } ?? "nil") slots \(slots.finalize())")
            }
        } else {
            f.append("no model")
        }
        f.append("undo \(undoStack.count) exercise \(exercise != nil) gradients \(gradientHistory.count) bn \(bnLastLook.count)")
        f.append("roots \(writableRoots?.joined(separator: "|") ?? "nil") sessions \(sessionsDirectory) quit \(shouldQuit) replay \(replayDepth)")
        return f
    }
}
