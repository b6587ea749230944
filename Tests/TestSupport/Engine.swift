import Testing

/// The two storage engines every storage and server test runs on.
package enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    package var testDescription: String { rawValue }
}
