import Foundation

/// Keras' `CSVLogger(filename, separator=",", append=False)`: one row per
/// epoch under a header of `epoch` and the logs' keys in sorted order
/// (`epoch,accuracy,learning_rate,loss,val_accuracy,val_loss`), numbers as
/// Python's `str(float)` prints them (Swift's shortest round-trip form is the
/// same). `epoch` is the 0-based index in the model's history, Keras' with
/// `initial_epoch` set to the epochs already trained. `append` keeps the file
/// and writes the header only into an empty one. Each row is written as the
/// epoch ends.
public final class CSVLogger: Callback {
    public let path: String
    public let separator: String
    public let append: Bool
    private var file: AppendFile?
    private var keys: [String]?
    private var failed = false

    public init(path: String, separator: String = ",", append: Bool = false) {
        self.path = path
        self.separator = separator
        self.append = append
    }

    /// Opens (and unless `append`, empties) the file; `fit`'s caller calls it first so that an
    /// unwritable path is an error before training starts (else the first row does).
    public func open() throws {
        if file == nil { file = try AppendFile(path: path, truncate: !append) }
    }

    public func epochEnd(_ logs: EpochLogs, model: Sequential) -> String? {
        guard !failed else { return nil }
        do { try open() } catch {
            failed = true
            return "csv_logger: \(error)"
        }
        guard let file else { return nil }
        var text = ""
        if keys == nil {
            // Keras takes the keys from the first epoch's logs.
            let k = ["loss", "accuracy", "learning_rate"] + (logs.valLoss == nil ? [] : ["val_loss", "val_accuracy"])
            keys = k.sorted()
            if !file.hadContent { text += (["epoch"] + keys!).joined(separator: separator) + "\n" }
        }
        let row = [String(logs.epoch - 1)] + keys!.map { logs.value($0).map(CSVLogger.format) ?? "NA" }
        text += row.joined(separator: separator) + "\n"
        do { try file.append(Array(text.utf8)) } catch {
            failed = true
            return "csv_logger: \(error); no more rows are written in this fit"
        }
        return nil
    }

    /// Python's `str(float)`: `0.5`, `1e-05`, `nan`, `inf`.
    static func format(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return "\(v)"
    }
}
