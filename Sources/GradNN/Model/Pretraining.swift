import Foundation
import GradTensor

/// Greedy layer-wise unsupervised pretraining (the chapter's "unsupervised
/// pretraining"): each hidden Dense layer in turn becomes the encoder of a
/// small autoencoder whose linear decoder reconstructs the layer's input; the
/// layers below are fixed, the reconstruction loss is the mean squared error.
public enum Pretraining {
    public struct LayerReport { public var index: Int; public var name: String; public var firstLoss: Double; public var lastLoss: Double }

    public static func greedyLayerwise(_ m: Sequential, on split: DataSplit, epochs: Int, batchSize: Int, learningRate: Float,
                                       rng: inout RandomGenerator, shouldStop: () -> Bool = { false },
                                       progress: (String) -> Void = { _ in }) -> [LayerReport] {
        let denseIndices = m.layers.indices.filter { m.layers[$0] is Dense }
        var reports: [LayerReport] = []
        let n = split.count, bs = max(1, min(batchSize, n))
        var order = Array(0..<n)
        let x = Tensor(zeros: [bs, split.featureCount])
        var y = [Float](repeating: 0, count: bs)
        let grad = Tensor(zeros: [0])
        for k in denseIndices.dropLast() {
            let enc = m.layers[k] as! Dense
            guard enc.kernel.trainable else { continue }
            let inDim = enc.kernel.value.shape[0]
            let dec = Dense(units: inDim, activation: .linear, name: "decoder")
            try? dec.build(inputShape: [enc.units], rng: &rng)
            let opt = Optimizer(rule: Adam(), learningRate: learningRate)
            var first = Double.nan, last = Double.nan
            for e in 0..<epochs {
                rng.shuffle(&order)
                var total = 0.0, seen = 0
                var s = 0
                while s < n {
                    let hi = min(n, s + bs)
                    order.withUnsafeBufferPointer { idx in y.withUnsafeMutableBufferPointer { split.gather(UnsafeBufferPointer(rebasing: idx[s..<hi]), into: x, targets: $0.baseAddress!) } }
                    var h = x
                    for j in 0..<k { h = m.layers[j](h, mode: .inference, rng: &rng) }
                    let z = enc(h, mode: .training, rng: &rng)
                    let r = dec(z, mode: .training, rng: &rng)
                    grad.resize(r.shape)
                    let cnt = Float(r.count)
                    var loss: Float = 0
                    for i in 0..<r.count { let dlt = r[i] - h[i]; loss += dlt * dlt; grad[i] = 2 * dlt / cnt }
                    let gz = dec.backward(grad, needsInputGradient: true)
                    _ = enc.backward(gz, needsInputGradient: false)
                    opt.update(enc.parameters + dec.parameters)
                    total += Double(loss / cnt) * Double(hi - s)
                    seen += hi - s
                    s = hi
                    if shouldStop() { break }
                }
                let epochLoss = total / Double(max(seen, 1))
                if e == 0 { first = epochLoss }
                last = epochLoss
                progress("layer \(k) \(enc.name): epoch \(e + 1)/\(epochs) reconstruction mse \(String(format: "%.5f", epochLoss))")
                if shouldStop() { break }
            }
            reports.append(LayerReport(index: k, name: enc.name, firstLoss: first, lastLoss: last))
            if shouldStop() { break }
        }
        return reports
    }
}
