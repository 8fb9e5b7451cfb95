/// Runs async jobs one at a time, in the order they arrive.
actor ReloadQueue {
    private var last: Task<Gateway.ReloadOutcome, Never>?

    func run(_ job: @escaping @Sendable () async -> Gateway.ReloadOutcome) async -> Gateway.ReloadOutcome {
        let previous = last
        let task = Task {
            _ = await previous?.value
            return await job()
        }
        last = task
        return await task.value
    }
}
