import Loyalty

/// Shorthands for the tables.
func money(_ text: String) -> Money { try! Money(parsing: text) }
func percent(_ text: String) -> Percent { try! Percent(parsing: text) }
func phone(_ text: String) -> PhoneNumber { try! PhoneNumber(parsing: text) }

extension LoyaltyProgram {
    /// The default program with another point value and payment share.
    static func with(pointValue: String = "1.00", maxPaymentShare: String = "50") -> LoyaltyProgram {
        var program = LoyaltyProgram.default
        program.pointValue = money(pointValue)
        program.maxPaymentShare = percent(maxPaymentShare)
        return program
    }
}

extension Tier {
    static func at(_ accrual: String) -> Tier { Tier(code: "t", name: "T", accrual: percent(accrual)) }
}

/// `a × b` at double width, comparable as a tuple for non-negative values.
func wide(_ a: Int64, _ b: Int64) -> (high: Int64, low: UInt64) { a.multipliedFullWidth(by: b) }

func isOneLine(_ text: String) -> Bool { !text.isEmpty && !text.contains("\n") }
