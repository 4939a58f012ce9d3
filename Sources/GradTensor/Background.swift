/// Work the second core does while the main thread goes on: a training
/// step's parameter gradients and updates, posted layer by layer during the
/// backward pass (`Sequential.trainStep`). Jobs run once each, on the worker
/// or, when one core is in use or the main thread reaches `wait` first, on
/// the main thread; they must not write what the main thread reads or
/// writes before `wait`, and each must write only its own memory, so where
/// and in which order they run never changes a bit. Main thread only.
public enum Background {
    /// Runs `job` beside the caller, or now when one core is in use.
    public static func post(_ job: @escaping () -> Void) { TwoCoreRunner.shared.post(job) }

    /// Returns when every posted job has run.
    public static func wait() { TwoCoreRunner.shared.waitForBackground() }
}
