import Foundation

extension BackendTLSConfig {
    /// Decodes `backends.<name>.tls`. Each file must exist and be readable now, so that
    /// `scopegate check` reports it at its JSON path rather than the first request failing.
    static func decode(_ value: JSONValue, at path: String, reader: inout ConfigReader, baseDirectory: String?) -> BackendTLSConfig? {
        guard let members = reader.object(value, at: path) else { return nil }
        reader.rejectUnknownKeys(members, known: ["ca_file", "client_certificate", "client_key", "server_name"], at: path)
        let before = reader.problems.count
        func file(_ key: String) -> String? {
            guard let text = reader.string(members, key, at: path, required: false) else { return nil }
            let resolved = ConfigLoader.resolve(text, against: baseDirectory)
            if !FileManager.default.isReadableFile(atPath: resolved) {
                reader.fail(ConfigReader.join(path, key), "cannot read file \(resolved)")
            }
            return resolved
        }
        let caFile = file("ca_file")
        let certificate = file("client_certificate")
        let key = file("client_key")
        let serverName = reader.string(members, "server_name", at: path, required: false)
        if (members["client_certificate"] == nil) != (members["client_key"] == nil) {
            reader.fail(path, "\"client_certificate\" and \"client_key\" go together; set both or neither")
        }
        if let serverName, !serverName.utf8.allSatisfy(Self.isHostNameByte) {
            reader.fail(ConfigReader.join(path, "server_name"), "must be a DNS host name, found \"\(serverName)\"")
        }
        guard reader.problems.count == before else { return nil }
        return BackendTLSConfig(caFile: caFile, clientCertificate: certificate, clientKey: key, serverName: serverName)
    }

    /// Letters, digits, `-` and `.` (RFC 1123 §2.1 host names).
    private static func isHostNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."): return true
        default: return false
        }
    }
}
