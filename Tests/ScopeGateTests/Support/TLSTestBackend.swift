import Foundation
import XCTest

/// An HTTPS backend for the TLS tests: a Python `http.server` wrapped in `ssl`, with a
/// fresh CA and a server certificate for `localhost`, `127.0.0.1` and `backend.test`
/// (generated with Python's `cryptography`). SwiftNIO SSL is not a dependency, hence Python.
/// With `requireClientCertificate` it also issues a client certificate (CN
/// `scopegate-test-client`) from the same CA and refuses TLS clients that present none
/// (mutual TLS); each answer then names the client certificate's CN.
final class TLSTestBackend {
    let process: Process
    let port: Int
    /// PEM of the CA that signed the server certificate.
    let caFile: String
    /// PEM client certificate and its key, issued by the same CA (mutual TLS backends only).
    let clientCertificateFile: String
    let clientKeyFile: String

    /// Starts the backend in `directory`; returns once it listens (it prints its port).
    /// Throws `XCTSkip` when `python3` with `cryptography` is not available.
    static func start(in directory: URL, requireClientCertificate: Bool = false) throws -> TLSTestBackend {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import cryptography"]
        check.standardError = FileHandle.nullDevice
        guard (try? check.run()) != nil else { throw XCTSkip("python3 not available") }
        check.waitUntilExit()
        guard check.terminationStatus == 0 else { throw XCTSkip("python3 cryptography not available") }

        let scriptPath = directory.appendingPathComponent("tls_backend.py")
        try Data(script.utf8).write(to: scriptPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptPath.path, directory.path] + (requireClientCertificate ? ["--require-client-cert"] : [])
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // Blocks until the port line arrives (the server listens before printing it).
        var line: [UInt8] = []
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            guard let first = byte.first else { break }
            if first == UInt8(ascii: "\n") { break }
            line.append(first)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw XCTSkip("the Python TLS backend did not start")
        }
        return TLSTestBackend(process: process, port: port, directory: directory)
    }

    private init(process: Process, port: Int, directory: URL) {
        self.process = process
        self.port = port
        self.caFile = directory.appendingPathComponent("ca.pem").path
        self.clientCertificateFile = directory.appendingPathComponent("client.pem").path
        self.clientKeyFile = directory.appendingPathComponent("client-key.pem").path
    }

    /// Stops the backend (by its own process id) and waits for it. SIGKILL: the child inherits
    /// a signal mask from the test process that can leave SIGTERM blocked.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    private static let script = #"""
'''A tiny HTTPS echo backend for the gateway's TLS tests.

Usage: tls_backend.py DIRECTORY [--require-client-cert]
Writes DIRECTORY/ca.pem (a fresh CA) and a server certificate for localhost, 127.0.0.1
and backend.test signed by it, serves HTTPS on 127.0.0.1 (ephemeral port), prints the
port on one line and serves until killed. Every answer is 200 with body
"tls ok <path> host=<Host>". With --require-client-cert it also writes DIRECTORY/client.pem
and client-key.pem (CN scopegate-test-client, same CA), refuses clients without a
certificate from that CA, and appends " client=<CN>" to every answer.
'''
import datetime, http.server, ipaddress, os, ssl, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

directory = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)
def name(cn): return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
ca_key = ec.generate_private_key(ec.SECP256R1())
ca = (x509.CertificateBuilder().subject_name(name("ScopeGate test CA")).issuer_name(name("ScopeGate test CA"))
      .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
      .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
      .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                   key_encipherment=False, data_encipherment=False, key_agreement=False,
                                   encipher_only=False, decipher_only=False), critical=True)
      .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
      .sign(ca_key, hashes.SHA256()))
key = ec.generate_private_key(ec.SECP256R1())
cert = (x509.CertificateBuilder().subject_name(name("localhost")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.DNSName("backend.test"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256()))
with open(os.path.join(directory, "ca.pem"), "wb") as f: f.write(ca.public_bytes(serialization.Encoding.PEM))
require_client_cert = "--require-client-cert" in sys.argv[2:]
if require_client_cert:
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = (x509.CertificateBuilder().subject_name(name("scopegate-test-client")).issuer_name(ca.subject)
              .public_key(client_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
              .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    with open(os.path.join(directory, "client.pem"), "wb") as f: f.write(client.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(directory, "client-key.pem"), "wb") as f:
        f.write(client_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
with open(os.path.join(directory, "server.pem"), "wb") as f:
    f.write(cert.public_bytes(serialization.Encoding.PEM))
    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        text = "tls ok " + self.path + " host=" + self.headers.get("Host", "")
        peer = self.connection.getpeercert()
        if peer:
            text += " client=" + dict(item[0] for item in peer["subject"])["commonName"]
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args): pass

server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.path.join(directory, "server.pem"))
if require_client_cert:
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(os.path.join(directory, "ca.pem"))
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"""#
}
