/// Keras' `model.summary()` as a value: one row per layer and the totals.
public struct Summary: Equatable {
    public struct Row: Equatable {
        public var index: Int
        public var name: String
        public var type: String
        public var outputShape: String
        public var parameters: Int
        public var note: String
    }
    public var rows: [Row]
    public var total: Int
    public var trainable: Int
    public var nonTrainable: Int
}

extension Sequential {
    public func summary() -> Summary {
        let rows = layers.enumerated().map { i, l in
            Summary.Row(index: i, name: l.name, type: l.typeName,
                        outputShape: l.isBuilt ? shapeText(l.outputShape) : "(unbuilt)",
                        parameters: l.parameterCount,
                        note: l.isFrozen ? "frozen" : (l is Residual ? "skip: + input" : ""))
        }
        let c = counts
        return Summary(rows: rows, total: c.total, trainable: c.trainable, nonTrainable: c.nonTrainable)
    }
}
