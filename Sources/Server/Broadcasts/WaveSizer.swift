import Storage

/// How many households the next wave of a broadcast takes: as many as fit, signed, in the part
/// of the signed-pass cache a wave may pin, learnt from the waves before it (bytes per pass,
/// passes per household). Pure: the runner tells it what each wave did.
struct WaveSizer: Sendable, Hashable {
    /// The batch size configured: no wave is larger.
    let maxHouseholds: Int
    /// Bytes one wave may pin: half of what may be pinned at once, since one wave is fetched
    /// while the next is signed. Nil: nothing is signed ahead.
    let budgetBytes: Int?
    /// The average signed pass seen so far; nil before the first wave.
    var passBytes: Double?
    /// Passes (with a device) per targeted household, seen so far.
    var passesPerHousehold = 1.0

    /// The first wave, before anything is known: small, so it measures quickly.
    static let firstWave = 64

    init(maxHouseholds: Int, budgetBytes: Int?) {
        self.maxHouseholds = max(1, maxHouseholds)
        self.budgetBytes = budgetBytes
    }

    /// Whether waves are signed ahead: there is a budget, and a pass fits in it.
    var signsAhead: Bool {
        guard let budgetBytes, budgetBytes > 0 else { return false }
        return passBytes.map { $0 <= Double(budgetBytes) } ?? true
    }

    /// Households for the next wave.
    var households: Int {
        guard signsAhead, let budgetBytes else { return maxHouseholds }
        guard let passBytes, passBytes > 0 else { return min(maxHouseholds, Self.firstWave) }
        let fit = Double(budgetBytes) / (passBytes * max(passesPerHousehold, 0.01))
        return max(1, min(maxHouseholds, Int(fit.rounded(.down))))
    }

    /// The bytes `passes` signed passes are expected to take.
    func expectedBytes(passes: Int) -> Int {
        Int((passBytes ?? 0) * Double(passes))
    }

    /// A wave of `households` had `passes` passes taking `bytes` in the cache.
    mutating func observe(households: Int64, passes: Int, bytes: Int) {
        guard households > 0, passes > 0 else { return }
        passesPerHousehold = Double(passes) / Double(households)
        passBytes = Double(bytes) / Double(passes)
    }
}

/// Signs a broadcast wave's passes ahead of its pushes (the pass service, with its caches).
protocol WaveSigning: Sendable {
    /// The bytes that may be pinned for waves at once.
    var signAheadBudget: Int { get }
    /// Waits until `bytes` more fit beside what earlier waves pinned, at most `patience`.
    func waitForRoom(_ bytes: Int, patience: Duration) async
    /// Signs the passes into the cache, pinned under `pin` until fetched, on `workers` tasks.
    func signAhead(_ passes: [WavePass], workers: Int, pin: Int) async -> PassService.SignedAhead
    /// The version cache's epoch now; nil while nothing may be cached.
    var versionEpoch: UInt64? { get }
    /// Makes versions read after `seen` current in the version cache.
    func publish(_ current: [CurrentVersion], seen: UInt64)
    /// Passes signed under `pin` that no device has fetched yet.
    func unfetched(pin: Int) -> Int
}

extension PassService: WaveSigning {}
