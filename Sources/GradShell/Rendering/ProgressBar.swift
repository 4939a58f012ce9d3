import Foundation

/// Keras' progress bar: `1719/1719 ━━━━━━━━━━━━━━━━━━━━ 4s 2ms/step - loss: 0.5360 - accuracy: 0.8121`.
public struct ProgressBar {
    public var width: Int
    public var barLength = 20
    public init(width: Int) { self.width = width }

    public func line(step: Int, steps: Int, elapsed: Double, metrics: [(String, Double)], final: Bool = false) -> String {
        let digits = String(steps).count
        let stepText = String(repeating: " ", count: max(0, digits - String(step).count)) + "\(step)/\(steps)"
        let done = steps == 0 ? barLength : barLength * step / steps
        let bar = String(repeating: "━", count: done) + String(repeating: "─", count: barLength - done)
        var timeText: String
        let perStep = elapsed / Double(max(step, 1))
        if final || step == steps {
            timeText = "\(Int(elapsed.rounded()))s \(ProgressBar.duration(perStep))/step"
        } else {
            let eta = perStep * Double(steps - step)
            timeText = "ETA \(Int(eta.rounded()))s"
        }
        let m = metrics.map { "\($0.0): \(String(format: "%.4f", $0.1))" }.joined(separator: " - ")
        return "\(stepText) \(bar) \(timeText)" + (m.isEmpty ? "" : " - " + m)
    }

    static func duration(_ s: Double) -> String {
        if s >= 1 { return "\(Int(s.rounded()))s" }
        if s >= 1e-3 { return "\(Int((s * 1e3).rounded()))ms" }
        return "\(Int((s * 1e6).rounded()))us"
    }
}
