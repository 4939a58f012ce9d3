/// A float32 tensor: one contiguous row-major buffer and a shape.
///
/// It is a reference type on purpose: layers own their output and gradient
/// workspaces and overwrite them in place every batch, so the training loop
/// allocates nothing once the buffers exist. Call `copy()` for a value that
/// outlives the next batch.
public final class Tensor: @unchecked Sendable {
    /// The sizes of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// Number of elements (the product of `shape`).
    public private(set) var count: Int
    /// The storage; valid for `capacity` elements.
    public private(set) var data: UnsafeMutablePointer<Float>
    private var capacity: Int

    /// A zero-filled tensor of the given shape.
    public init(zeros shape: [Int]) {
        let n = shape.reduce(1, *)
        self.shape = shape
        self.count = n
        self.capacity = max(n, 1)
        self.data = .allocate(capacity: capacity)
        data.initialize(repeating: 0, count: capacity)
    }

    /// A tensor holding `values`, which must have `shape`'s element count.
    public convenience init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.init(zeros: shape)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { data.update(from: base, count: values.count) }
        }
    }

    /// A tensor with every element set to `value`.
    public convenience init(repeating value: Float, shape: [Int]) {
        self.init(zeros: shape)
        data.update(repeating: value, count: count)
    }

    deinit { data.deallocate() }

    /// Changes the shape, growing the buffer only when it is too small.
    /// Contents are unspecified afterwards unless the count is unchanged.
    public func resize(_ newShape: [Int]) {
        let n = newShape.reduce(1, *)
        if n > capacity {
            data.deallocate()
            capacity = n
            data = .allocate(capacity: n)
            data.initialize(repeating: 0, count: n)
        }
        shape = newShape
        count = n
    }

    /// Reinterprets the same elements with another shape of equal count.
    public func reshape(_ newShape: [Int]) {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        shape = newShape
    }

    /// The number of rows when seen as a matrix [shape[0], rest].
    @inlinable public var rows: Int { shape.first ?? 1 }
    /// The number of columns when seen as a matrix [shape[0], rest].
    @inlinable public var columns: Int { rows == 0 ? 0 : count / rows }

    /// The elements as a mutable buffer.
    @inlinable public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: data, count: count)
    }

    /// The elements as an array (a copy).
    public var array: [Float] { Array(buffer) }

    /// Element access by flat index.
    @inlinable public subscript(i: Int) -> Float {
        get { data[i] }
        set { data[i] = newValue }
    }

    /// Element access by (row, column) of the matrix view.
    @inlinable public subscript(r: Int, c: Int) -> Float {
        get { data[r * columns + c] }
        set { data[r * columns + c] = newValue }
    }

    /// An independent tensor with the same shape and values.
    public func copy() -> Tensor { Tensor(copying: self) }

    private init(copying other: Tensor) {
        shape = other.shape
        count = other.count
        capacity = max(other.count, 1)
        data = .allocate(capacity: capacity)
        data.initialize(from: other.data, count: other.count)
        if capacity > count { data[count] = 0 }
    }

    /// Overwrites this tensor with `other`'s shape and values.
    public func assign(_ other: Tensor) {
        resize(other.shape)
        data.update(from: other.data, count: count)
    }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// True when every element is finite (no NaN or Inf).
    public var isFinite: Bool {
        for i in 0..<count where !data[i].isFinite { return false }
        return true
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = (0..<min(count, 8)).map { String(format: "%.4f", Double(data[$0])) }
        return "Tensor(\(shape), [\(shown.joined(separator: ", "))\(count > 8 ? ", …" : "")])"
    }
}
