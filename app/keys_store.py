"""The evaluation body's signing keys on disk, under ``<data_dir>/keys/``.

Layout (private files mode 0600, directories 0700)::

    keys/ed25519/<key_id>.key      Ed25519 private key (PKCS#8 PEM) — signs certified facts
    keys/ed25519/<key_id>.pub      its public key; kept after rotation to verify old reports
    keys/ed25519/ACTIVE            id of the key new certificates are signed with
    keys/pades/signer.key          PAdES signing key (EC P-256, PKCS#8 PEM)
    keys/pades/signer.crt          its certificate (demo CA, or one issued by a real CA)
    keys/pades/chain.pem           intermediate CA certificates (optional)
    keys/pades/trust/*.crt         trusted roots for PAdES validation
    keys/pades/demo-ca.key         the self-signed demo CA's key (demo only)

A real CA: replace ``signer.key``/``signer.crt``/``chain.pem`` and put its root in ``trust/``
(:meth:`KeyStore.install_certificate`). Private keys are never logged or printed.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import NameOID

from app.config import Settings
from app.errors import ConfigurationError, ConflictError
from reports.pades import PadesSigner

CERT_YEARS = 3


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def _write_public(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _pem_private(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def key_id_for(public: Ed25519PublicKey, today: datetime) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"ed25519-{today:%Y%m%d}-{hashlib.sha256(raw).hexdigest()[:12]}"


def _fit(text: str, limit: int = 64) -> str:
    """Shorten to the X.520 upper bound, which the library checks in UTF-8 bytes (a Chinese
    character counts three), without cutting a character in half."""
    while len(text.encode("utf-8")) > limit:
        text = text[:-1]
    return text


def _name(common: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, _fit(common)),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(org)),
        ]
    )


@dataclass(frozen=True, slots=True)
class KeyStore:
    root: Path

    @classmethod
    def for_settings(cls, settings: Settings) -> KeyStore:
        return cls(settings.data_dir / "keys")

    @property
    def _ed(self) -> Path:
        return self.root / "ed25519"

    @property
    def _pades(self) -> Path:
        return self.root / "pades"

    def exists(self) -> bool:
        return (self._ed / "ACTIVE").is_file()

    # -- Ed25519 -------------------------------------------------------------------------
    def _new_ed25519(self, now: datetime) -> str:
        key = Ed25519PrivateKey.generate()
        kid = key_id_for(key.public_key(), now)
        _write_private(self._ed / f"{kid}.key", _pem_private(key))
        pub = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        _write_public(self._ed / f"{kid}.pub", pub)
        _write_public(self._ed / "ACTIVE", kid.encode("ascii"))
        return kid

    def active_key_id(self) -> str:
        try:
            return (self._ed / "ACTIVE").read_text(encoding="ascii").strip()
        except FileNotFoundError:
            raise ConfigurationError(
                f"no signing keys in {self.root}; run `tianping keys init` first"
            ) from None

    def private_key(self, key_id: str | None = None) -> tuple[str, Ed25519PrivateKey]:
        kid = key_id or self.active_key_id()
        try:
            key = serialization.load_pem_private_key((self._ed / f"{kid}.key").read_bytes(), None)
        except FileNotFoundError:
            raise ConfigurationError(f"signing key {kid} is missing from {self._ed}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigurationError(f"{self._ed / (kid + '.key')} is not an Ed25519 key")
        return kid, key

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        out: dict[str, Ed25519PublicKey] = {}
        for path in sorted(self._ed.glob("*.pub")):
            key = serialization.load_pem_public_key(path.read_bytes())
            if isinstance(key, Ed25519PublicKey):
                out[path.stem] = key
        return out

    # -- PAdES ---------------------------------------------------------------------------
    def _demo_pki(self, body_name: str, now: datetime) -> None:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name(f"Demo Root CA (not for production) {body_name}", body_name)
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365 * 10))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(self._pades / "demo-ca.key", _pem_private(ca_key))
        _write_public(
            self._pades / "trust" / "demo-ca.crt", ca_cert.public_bytes(serialization.Encoding.PEM)
        )
        self._issue_signer(body_name, ca_key, ca_cert, now)

    def _issue_signer(
        self,
        body_name: str,
        ca_key: ec.EllipticCurvePrivateKey,
        ca_cert: x509.Certificate,
        now: datetime,
    ) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(f"Report signing {body_name}", body_name))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365 * CERT_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        for stale in ("signer.key", "signer.crt"):
            (self._pades / stale).unlink(missing_ok=True)
        _write_private(self._pades / "signer.key", _pem_private(key))
        _write_public(self._pades / "signer.crt", cert.public_bytes(serialization.Encoding.PEM))

    def pades_signer(self) -> PadesSigner:
        try:
            key = (self._pades / "signer.key").read_bytes()
            cert = (self._pades / "signer.crt").read_bytes()
        except FileNotFoundError:
            raise ConfigurationError(
                f"no PAdES signing certificate in {self._pades}; run `tianping keys init`"
            ) from None
        chain_file = self._pades / "chain.pem"
        chain = (chain_file.read_bytes(),) if chain_file.is_file() else ()
        return PadesSigner(key, cert, chain)

    def trust_roots(self) -> list[bytes]:
        return [p.read_bytes() for p in sorted((self._pades / "trust").glob("*.crt"))]

    def install_certificate(
        self, key_pem: bytes, cert_pem: bytes, root_pem: bytes, chain_pem: bytes = b""
    ) -> None:
        """Use a certificate issued by a real CA instead of the demo one."""
        for stale in ("signer.key", "signer.crt", "chain.pem"):
            (self._pades / stale).unlink(missing_ok=True)
        _write_private(self._pades / "signer.key", key_pem)
        _write_public(self._pades / "signer.crt", cert_pem)
        if chain_pem:
            _write_public(self._pades / "chain.pem", chain_pem)
        _write_public(self._pades / "trust" / "ca.crt", root_pem)

    # -- lifecycle -----------------------------------------------------------------------
    def init(self, body_name: str, *, now: datetime | None = None) -> str:
        """Create the first Ed25519 key and the demo PKI; refuses to overwrite."""
        if self.exists():
            raise ConflictError(
                f"signing keys already exist in {self.root}; use `tianping keys rotate`"
            )
        now = now or datetime.now(UTC)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.root, 0o700)
        kid = self._new_ed25519(now)
        if not (self._pades / "signer.crt").is_file():
            self._demo_pki(body_name, now)
        return kid

    def rotate(self, body_name: str, *, now: datetime | None = None) -> str:
        """New active Ed25519 key (old public keys stay for verification); with the demo CA,
        also a fresh PAdES signing certificate."""
        old = self.active_key_id()
        now = now or datetime.now(UTC)
        kid = self._new_ed25519(now)
        if kid == old:  # same key twice is astronomically unlikely; never silently reuse
            raise ConflictError("rotation produced the active key again; retry")
        ca_key_file = self._pades / "demo-ca.key"
        ca_file = self._pades / "trust" / "demo-ca.crt"
        if ca_key_file.is_file() and ca_file.is_file():
            ca_key = serialization.load_pem_private_key(ca_key_file.read_bytes(), None)
            if isinstance(ca_key, ec.EllipticCurvePrivateKey):
                ca_cert = x509.load_pem_x509_certificate(ca_file.read_bytes())
                self._issue_signer(body_name, ca_key, ca_cert, now)
        return kid
