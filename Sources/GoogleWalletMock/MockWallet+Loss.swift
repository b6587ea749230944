extension MockWallet {
    /// Forgets an object, as if Google had lost it: the next patch answers 404.
    public mutating func deleteObject(_ id: String) {
        objects[id] = nil
    }
}
