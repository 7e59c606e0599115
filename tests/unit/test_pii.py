"""Personal data: normalisation, AES-GCM tokens with key ids, rotation, keyed hash, masks."""

from __future__ import annotations

import pytest

from app.errors import ConfigurationError
from app.pii import (
    DecryptionError,
    Keyring,
    keyed_hash,
    mask_email,
    mask_phone,
    normalise_email,
    normalise_phone,
)

K1, K2 = bytes(range(32)), bytes(range(1, 33))


def test_round_trip_random_nonce_and_key_id() -> None:
    ring = Keyring({"k1": K1}, active="k1")
    first, second = ring.encrypt("+8613812345678"), ring.encrypt("+8613812345678")
    assert first != second  # fresh nonce each time
    assert first.startswith("v1.k1.")
    assert "138" not in first
    assert ring.decrypt(first) == ring.decrypt(second) == "+8613812345678"


def test_tampered_ciphertext_rejected() -> None:
    ring = Keyring({"k1": K1}, active="k1")
    token = ring.encrypt("zhang@example.com")
    body = token.split(".")[2]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(DecryptionError, match="failed authentication"):
        ring.decrypt(f"v1.k1.{flipped}")


def test_relabelled_token_rejected() -> None:
    ring = Keyring({"k1": K1, "k2": K1}, active="k1")
    token = ring.encrypt("secret")
    with pytest.raises(DecryptionError, match="failed authentication"):
        ring.decrypt(token.replace("v1.k1.", "v1.k2."))


def test_unknown_key_id_message() -> None:
    token = Keyring({"old": K1}, active="old").encrypt("x")
    with pytest.raises(DecryptionError) as info:
        Keyring({"new": K2}, active="new").decrypt(token)
    assert str(info.value) == (
        "personal-data key 'old' is not configured (known ids: new); "
        "add the retired key back to decrypt"
    )


@pytest.mark.parametrize("token", ["", "v1.k1", "v2.k1.AAAA", "v1.k1.@@@", "v1.k1.AAAA"])
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(DecryptionError):
        Keyring({"k1": K1}, active="k1").decrypt(token)


def test_rotation() -> None:
    old = Keyring({"k1": K1}, active="k1")
    token = old.encrypt("13812345678")
    ring = Keyring({"k1": K1, "k2": K2}, active="k2")
    assert ring.needs_rotation(token)
    rotated = ring.rotate(token)
    assert ring.key_id_of(rotated) == "k2"
    assert not ring.needs_rotation(rotated)
    assert ring.rotate(rotated) == rotated
    assert Keyring({"k2": K2}, active="k2").decrypt(rotated) == "13812345678"


def test_keyring_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="32 bytes"):
        Keyring({"k1": b"short"}, active="k1")
    with pytest.raises(ConfigurationError, match="not in the keyring"):
        Keyring({"k1": K1}, active="k9")
    with pytest.raises(ConfigurationError, match="key id"):
        Keyring({"bad.id": K1}, active="bad.id")
    assert "000102" not in repr(Keyring({"k1": K1}, active="k1"))


def test_keyed_hash_dedupes_normalised_values() -> None:
    key = b"h" * 32
    a = keyed_hash(normalise_phone("138 1234 5678"), key)
    b = keyed_hash(normalise_phone("+86-138-1234-5678"), key)
    assert a == b
    assert len(a) == 64
    assert keyed_hash(normalise_phone("13812345678"), b"x" * 32) != a
    assert keyed_hash(normalise_email(" Z@Example.COM"), key) == keyed_hash("Z@example.com", key)
    with pytest.raises(ConfigurationError):
        keyed_hash("x", b"short")


def test_masks() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("+861012345678") == "10******78"
    assert mask_email("zhang.san@example.com") == "z***@example.com"
    assert mask_email("nonsense") == "***"
