import Foundation

/// RFC 7231 HTTP-dates (`Tue, 09 Aug 2016 21:57:32 GMT`), as devices send back in `If-Modified-Since`.
enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]

    static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secs = seconds - days * 86_400
        let (y, m, d) = civil(fromDays: days)
        let wd = weekdays[Int(((days % 7) + 7) % 7)]
        // By hand: String(format:) went through Foundation's formatter, 2 % of a fetch-back's CPU.
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        let year = String(y)
        return "\(wd), \(two(d)) \(months[m - 1]) \(String(repeating: "0", count: max(0, 4 - year.count)))\(year) "
            + "\(two(Int(secs / 3600))):\(two(Int(secs % 3600 / 60))):\(two(Int(secs % 60))) GMT"
    }

    /// Parses IMF-fixdate, and the obsolete RFC 850 and asctime forms as RFC 7231 asks.
    static func parse(_ text: String) -> Date? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        var day: Int?, month: Int?, year: Int?, time: [Int]?
        for p in parts {
            if let m = months.firstIndex(of: p) { month = m + 1; continue }
            if p.contains(":") {
                let t = p.split(separator: ":").compactMap { Int($0) }
                if t.count == 3 { time = t }
                continue
            }
            if p.contains("-") {  // RFC 850: 09-Aug-16
                let f = p.split(separator: "-").map(String.init)
                if f.count == 3, let d = Int(f[0]), let m = months.firstIndex(of: f[1]), let y = Int(f[2]) {
                    day = d; month = m + 1; year = y < 70 ? 2000 + y : (y < 100 ? 1900 + y : y)
                }
                continue
            }
            if let n = Int(p) {
                if n > 31 { year = n } else if day == nil { day = n }
            }
        }
        guard let day, let month, let year, let time, (1...31).contains(day), time[0] < 24, time[1] < 60, time[2] < 61 else { return nil }
        let days = daysFromCivil(year, month, day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + Int64(time[0] * 3600 + time[1] * 60 + time[2])))
    }

    // Howard Hinnant's civil-date algorithms: no calendar or locale involved.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((m + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }
}
