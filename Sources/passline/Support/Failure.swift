import ArgumentParser
import Foundation

/// Prints one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("passline: \(message)\n".utf8))
}

/// Prints a line to standard output at once (stdout is block-buffered when redirected).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Fails the command with one clear line and exit status 1 (not ArgumentParser's usage dump).
func fail(_ message: String) -> ExitCode {
    printError(message)
    return ExitCode.failure
}

/// Writes a file so that it is either complete or absent: a temporary file beside it, then rename.
func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent()
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try Data(bytes).write(to: url, options: .atomic)
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw fail("\(path): \(FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")")
    }
    return [UInt8](data)
}
