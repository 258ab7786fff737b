"""HTTPS beside HTTP on each of the emulator's ports, with a certificate that stays.

CloudFront's viewer protocol policy answers plain HTTP with a redirect to the https:// URL
(`redirect-to-https`) or 403 (`https-only`). So the https:// URL must work locally: every port
speaks both, told apart by the first byte a client sends (a TLS handshake begins with 0x16,
an HTTP request with a letter; frontend/server.py looks).

The certificate is self-signed, for 127.0.0.1 and localhost, and kept: in a per-user cache
folder ($XDG_CACHE_HOME/edge-persist/tls, else ~/.cache/edge-persist/tls) or `--cert-dir`, made
once and presented by every later start, so that a browser or a test trusts it once. It is
made again a week before it expires. The outputs file's Emulator block names it
(`Certificate`): `curl --cacert FILE`, `requests.get(url, verify=FILE)`. Where the cache
folder cannot be written, a temporary one serves that run alone.
"""
import datetime
import fcntl
import ipaddress
import os
import shutil
import ssl
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 365
RENEW_BEFORE_DAYS = 7


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


def cache_folder():
    """Where the certificate is kept between starts, by default."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "edge-persist", "tls")


def _still_valid(certificate):
    """Whether the certificate in the file is valid for at least a week more."""
    try:
        with open(certificate, "rb") as found:
            cert = x509.load_pem_x509_certificate(found.read())
    except (OSError, ValueError):
        return False
    left = cert.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc)
    return left > datetime.timedelta(days=RENEW_BEFORE_DAYS)


class ViewerTls:
    """The server side: the certificate file viewers trust, and the context that serves it."""

    def __init__(self, folder=None):
        self._temporary = None
        try:
            self.certificate, self.context = self._kept(folder or cache_folder())
        except OSError:  # a read-only home: a certificate for this run alone
            self._temporary = tempfile.mkdtemp(prefix="edge-persist-tls-")
            self.certificate, self.context = self._kept(self._temporary)

    @staticmethod
    def _kept(folder):
        """(certificate file, server context) from `folder`, the pair made when missing or
        expiring. Two emulators starting at once take turns (a lock file), so neither reads
        a key beside another start's certificate."""
        os.makedirs(folder, mode=0o700, exist_ok=True)
        certificate = os.path.join(folder, "emulator-cert.pem")
        key_file = os.path.join(folder, "emulator-key.pem")
        with open(os.path.join(folder, ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (os.path.isfile(key_file) and _still_valid(certificate)):
                cert, key = certificate_pem()
                with os.fdopen(os.open(key_file + ".new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                                       0o600), "wb") as out:
                    out.write(key)
                with open(certificate + ".new", "wb") as out:
                    out.write(cert)
                os.replace(key_file + ".new", key_file)
                os.replace(certificate + ".new", certificate)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(certificate, key_file)
        return certificate, context

    def close(self):
        if self._temporary:
            shutil.rmtree(self._temporary, ignore_errors=True)
