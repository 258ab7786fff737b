"""HTTPS beside HTTP on each of the emulator's ports, with a certificate made at start.

CloudFront's viewer protocol policy answers plain HTTP with a redirect to the https:// URL
(`redirect-to-https`) or 403 (`https-only`). So the https:// URL must work locally: every port
speaks both, told apart by the first byte a client sends (a TLS handshake begins with 0x16,
an HTTP request with a letter; frontend/server.py looks). The certificate is self-signed, for
127.0.0.1 and localhost, made fresh each start into a temporary folder that lives as long as
the emulator; the outputs
file's Emulator block names it (`Certificate`): `curl --cacert FILE`,
`requests.get(url, verify=FILE)`.
"""
import datetime
import ipaddress
import os
import shutil
import ssl
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 30


def certificate_pem():
    """(certificate, private key) as PEM bytes: a self-signed certificate that is its own
    authority, so a client can trust exactly it and nothing else."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "edge-persist local emulator")])
    now = datetime.datetime.now(datetime.timezone.utc)
    public = key.public_key()
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=False,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


class ViewerTls:
    """The server side: the certificate file viewers trust, and the context that serves it."""

    def __init__(self):
        cert, key = certificate_pem()
        folder = tempfile.mkdtemp(prefix="edge-persist-tls-")
        self.certificate = os.path.join(folder, "emulator-cert.pem")
        key_file = os.path.join(folder, "emulator-key.pem")
        with open(self.certificate, "wb") as out:
            out.write(cert)
        with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as out:
            out.write(key)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.context.load_cert_chain(self.certificate, key_file)
        os.unlink(key_file)  # loaded; the key never outlives the start on disk
        self._folder = folder

    def close(self):
        shutil.rmtree(self._folder, ignore_errors=True)

