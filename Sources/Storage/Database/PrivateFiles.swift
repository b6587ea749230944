#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Files only the server's user may read. The SQLite database and its WAL hold every card, phone
/// and ledger entry; the data directory holds the secrets (mode 0600 each).
public enum PrivateFiles {
    /// Creates `path` and its missing parents with mode 0700. A directory that already exists is
    /// left as it is: it may be the user's own (a home, `/var/lib/…`, a shared volume) with its
    /// modes set on purpose; what is secret inside it is 0600 by itself.
    public static func createDirectory(_ path: String) throws(DatabaseError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if mkdir(prefix, 0o700) == 0 {
                // mkdir's mode passes through the umask; say exactly what we mean.
                _ = chmod(prefix, 0o700)
                continue
            }
            let error = errno
            guard !isDirectory(prefix) else { continue }
            throw DatabaseError("Cannot create the directory '\(prefix)': \(error == EEXIST ? "it exists and is not a directory" : describe(error))")
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR)
    }

    /// Makes the SQLite database at `path` private before SQLite opens it. A missing file is
    /// created empty with mode 0600 (SQLite takes an empty file for a new database, and gives the
    /// `-wal`, `-shm` and `-journal` files it creates the main file's permissions: os_unix.c,
    /// `findCreateFileMode`). An existing database and its companions lose their group and other
    /// permissions. Returns the files that could not be changed (owned by another user: their
    /// owner chose their modes), for the caller to warn about.
    public static func prepareDatabase(_ path: String) throws(DatabaseError) -> [String] {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            defer { close(fd) }
            guard fchmod(fd, 0o600) == 0 else { throw DatabaseError("Cannot make '\(path)' private (0600): \(describe(errno))") }
            return []
        }
        let error = errno
        guard error == EEXIST else { throw DatabaseError("Cannot create the SQLite database '\(path)': \(describe(error))") }
        var untouched: [String] = []
        for file in [path, path + "-wal", path + "-shm", path + "-journal"] {
            var info = stat()
            guard stat(file, &info) == 0 else { continue }
            let mode = info.st_mode & 0o7777
            guard mode & 0o077 != 0 else { continue }
            if chmod(file, mode & 0o700) != 0 { untouched.append(file) }
        }
        return untouched
    }

    static func describe(_ error: Int32) -> String {
        String(cString: strerror(error))
    }
}
