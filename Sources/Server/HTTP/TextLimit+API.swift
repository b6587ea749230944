import Loyalty

extension TextLimit {
    /// Checks a text a client sent for `field`: a 422 naming the field, the unit and the limit.
    func validate(_ text: String, field: String) throws(APIError) {
        do { try check(text, field: field) } catch { throw APIError.unprocessable(error.description, field: field) }
    }
}
