"""Key storage: private files 0600, init refuses to overwrite, rotation keeps old public keys."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from app.errors import ConfigurationError, ConflictError
from app.keys_store import KeyStore


def test_init_writes_private_keys_owner_only(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    kid = store.init("Body")
    assert store.active_key_id() == kid
    private = [*store.root.rglob("*.key")]
    assert {p.name for p in private} == {f"{kid}.key", "signer.key", "demo-ca.key"}
    for path in private:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    assert len(store.trust_roots()) == 1


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    store.init("Body")
    with pytest.raises(ConflictError, match="rotate"):
        store.init("Body")


def test_rotate_keeps_old_public_keys(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    old = store.init("Body")
    old_cert = (store.root / "pades" / "signer.crt").read_bytes()
    new = store.rotate("Body")
    assert new != old
    assert store.active_key_id() == new
    assert set(store.public_keys()) == {old, new}
    assert (store.root / "pades" / "signer.crt").read_bytes() != old_cert
    assert store.private_key()[0] == new


def test_missing_keys_tell_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="keys init"):
        KeyStore(tmp_path / "none").private_key()
