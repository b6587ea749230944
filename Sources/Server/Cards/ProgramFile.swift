import Foundation
import Loyalty
import PassBuilder
import Synchronization

/// The loyalty program in force: a JSON file in the data directory, read at start and replaced
/// by `PUT /api/v1/program`. Built first, so everything that reads the program gets it at `init`.
public final class ProgramFile: Sendable {
    public let path: String
    private let current: Mutex<LoyaltyProgram>

    /// Reads the program in `path`, or writes the default one there on a fresh server.
    /// A program that does not decode or validate stops the start, naming the file and the field.
    public init(path: String) throws {
        self.path = path
        current = Mutex(try Self.load(path))
    }

    public var program: LoyaltyProgram { current.withLock { $0 } }

    /// Saves `program` (atomically: a crash leaves the old file or the new one) and switches to it.
    /// The caller validates it first.
    func replace(with program: LoyaltyProgram) throws {
        try Self.save(program, to: path)
        current.withLock { $0 = program }
    }

    static func load(_ file: String) throws -> LoyaltyProgram {
        guard let data = FileManager.default.contents(atPath: file) else {
            let program = LoyaltyProgram.default
            try save(program, to: file)
            return program
        }
        let program: LoyaltyProgram
        do {
            program = try JSONDecoder().decode(LoyaltyProgram.self, from: data)
        } catch let error as DecodingError {
            throw ProgramFileError(description: "\(file): \(PassTemplate.describe(error))")
        }
        do { try program.validate() } catch { throw ProgramFileError(description: "\(file): \(error.field): \(error.message)") }
        // The same text limits as PUT /api/v1/program: an edited file must not make SMS unsendable.
        do { try ProgramTexts.check(program) } catch { throw ProgramFileError(description: "\(file): \(error.detail)") }
        return program
    }

    static func save(_ program: LoyaltyProgram, to file: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: file).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try encoder.encode(program).write(to: URL(fileURLWithPath: file), options: .atomic)
    }
}

struct ProgramFileError: Error, CustomStringConvertible {
    var description: String
}
