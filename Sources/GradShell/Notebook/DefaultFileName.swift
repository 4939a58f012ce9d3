import Foundation

/// Readable names for files saved without a path: `session-2026-12-01-0522.md`
/// (local date and time to the minute), then `-2`, `-3`… when that is taken.
public enum DefaultFileName {
    /// `2026-12-01-0522` for the given moment, in the local time zone.
    public static func stamp(_ date: Date = Date(), timeZone: TimeZone = .current) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd-HHmm"
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        return f.string(from: date)
    }

    /// The first of `DIR/STEM-STAMP.EXT`, `DIR/STEM-STAMP-2.EXT`, … that does not exist yet.
    public static func free(
        in directory: String, stem: String, extension ext: String, date: Date = Date(),
        timeZone: TimeZone = .current,
        exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) -> String {
        let base = "\(directory)/\(stem)-\(stamp(date, timeZone: timeZone))"
        var candidate = "\(base).\(ext)"
        var n = 2
        while exists(candidate) {
            candidate = "\(base)-\(n).\(ext)"
            n += 1
        }
        return candidate
    }
}
