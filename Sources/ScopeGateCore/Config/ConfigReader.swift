/// Reads members of a JSON object for the config decoder, recording problems
/// instead of throwing, so that one pass reports every mistake with its path.
struct ConfigReader {
    private(set) var problems: [ConfigProblem] = []
    /// What is valid but weakens a check: printed by `scopegate check` and at start.
    private(set) var warnings: [ConfigProblem] = []

    mutating func fail(_ path: String, _ message: String) {
        problems.append(ConfigProblem(path: path, message: message))
    }

    mutating func warn(_ path: String, _ message: String, rule: LintRule, hint: String) {
        warnings.append(ConfigProblem(path: path, message: message, rule: rule.rawValue, hint: hint))
    }

    /// The value as an object, or a recorded problem.
    mutating func object(_ value: JSONValue, at path: String) -> [String: JSONValue]? {
        guard case .object(let members) = value else {
            fail(path, "must be an object, found \(value.typeDescription)")
            return nil
        }
        return members
    }

    /// Records an "unknown key" problem for each member not in `known` (catches typos).
    mutating func rejectUnknownKeys(_ members: [String: JSONValue], known: Set<String>, at path: String) {
        for key in members.keys.sorted() where !known.contains(key) {
            let hint = known.sorted().joined(separator: ", ")
            fail(Self.join(path, key), "unknown key; expected one of: \(hint)")
        }
    }

    mutating func string(_ members: [String: JSONValue], _ key: String, at path: String, required: Bool) -> String? {
        let memberPath = Self.join(path, key)
        guard let value = members[key] else {
            if required { fail(memberPath, "is required") }
            return nil
        }
        guard case .string(let text) = value else {
            fail(memberPath, "must be a string, found \(value.typeDescription)")
            return nil
        }
        if text.isEmpty {
            fail(memberPath, "must not be empty")
            return nil
        }
        return text
    }

    /// An integer member within `range`, or `defaultValue` when absent.
    mutating func integer(
        _ members: [String: JSONValue], _ key: String, at path: String,
        in range: ClosedRange<Int>, default defaultValue: Int
    ) -> Int {
        let memberPath = Self.join(path, key)
        guard let value = members[key] else { return defaultValue }
        guard case .number(let number) = value, number.rounded() == number,
              number >= Double(range.lowerBound), number <= Double(range.upperBound)
        else {
            fail(memberPath, "must be a whole number from \(range.lowerBound) to \(range.upperBound), found \(Self.render(value))")
            return defaultValue
        }
        return Int(number)
    }

    /// A boolean member, or `defaultValue` when absent.
    mutating func bool(_ members: [String: JSONValue], _ key: String, at path: String, default defaultValue: Bool) -> Bool {
        guard let value = members[key] else { return defaultValue }
        guard case .bool(let flag) = value else {
            fail(Self.join(path, key), "must be true or false, found \(Self.render(value))")
            return defaultValue
        }
        return flag
    }

    /// An array of non-empty strings, or `nil` (with a problem) when malformed.
    mutating func stringArray(_ value: JSONValue, at path: String) -> [String]? {
        guard case .array(let elements) = value else {
            fail(path, "must be an array of strings, found \(value.typeDescription)")
            return nil
        }
        var result: [String] = []
        var ok = true
        for (index, element) in elements.enumerated() {
            if case .string(let text) = element, !text.isEmpty {
                result.append(text)
            } else {
                fail("\(path)[\(index)]", "must be a non-empty string, found \(Self.render(element))")
                ok = false
            }
        }
        return ok ? result : nil
    }

    /// `path.key`, or `path["key"]` when the key is not a plain identifier.
    static func join(_ path: String, _ key: String) -> String {
        let plain = !key.isEmpty && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        let base = path == "$" ? "" : path
        if plain { return base.isEmpty ? key : "\(base).\(key)" }
        return "\(base)[\"\(key)\"]"
    }

    /// A short rendering of a value for messages.
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return "\"\(s)\""
        case .number(let n): return n.rounded() == n && abs(n) < 1e15 ? String(Int(n)) : String(n)
        case .bool(let b): return String(b)
        default: return value.typeDescription
        }
    }
}

extension JSONValue {
    /// The JSON type with an article, for config messages: `"a string"`, `"an array"`.
    var typeDescription: String {
        switch self {
        case .null: return "null"
        case .array, .object: return "an \(typeName)"
        default: return "a \(typeName)"
        }
    }
}
