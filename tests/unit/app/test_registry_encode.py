"""The import's encoder gives exactly the values of the slow, obvious code paths."""

from __future__ import annotations

import json
import pickle
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.registry.encode import CaseEncoder, ContactHasher, EncodingContext, Sealer
from app.errors import ConfigurationError
from app.pii import Keyring, keyed_hash
from app.secrets import KeyMaterial
from sampling.rows import CaseRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEYS = KeyMaterial(
    keyring=Keyring({"k1": b"k" * 32}, "k1"), contact_hash_key=b"h" * 32, secret_key="s" * 40
)


@settings(max_examples=100, deadline=None)
@given(key=st.binary(min_size=16, max_size=130), value=st.text(max_size=60))
def test_contact_hash_equals_keyed_hash(key: bytes, value: str) -> None:
    assert ContactHasher(key)(value) == keyed_hash(value, key)


def test_contact_hash_refuses_a_short_key() -> None:
    with pytest.raises(ConfigurationError, match="16 bytes"):
        ContactHasher(b"short")


def test_sealed_tokens_decrypt_and_never_repeat() -> None:
    sealer = Sealer(KEYS.keyring)
    sealer.refill(3)  # fewer nonces than values: refills itself
    tokens = [sealer.seal(f"+86138{i:08d}") for i in range(10)]
    assert [KEYS.keyring.decrypt(t) for t in tokens] == [f"+86138{i:08d}" for i in range(10)]
    assert len(set(tokens)) == 10
    assert all(t.startswith("v1.k1.") for t in tokens)


def _row(**values: object) -> CaseRow:
    return CaseRow(2, "C1", "E1", ("门店",))._replace(**values)


@pytest.mark.parametrize(
    ("dialect", "stored_time", "stored_attributes"),
    [
        ("sqlite", "2026-03-01 01:05:00.000000", json.dumps({"channel": "门店"})),
        ("postgresql", "2026-03-01 01:05:00+00:00", '{"channel": "门店"}'),
    ],
)
def test_encoded_tuple(dialect: str, stored_time: str, stored_attributes: str) -> None:
    ctx = EncodingContext(7, 3, ("channel",), {"E1": 11}, dialect, KEYS)
    opened = datetime(2026, 3, 1, 9, 5, tzinfo=SHANGHAI)
    row = _row(phone="+8613812345678", opened_at=opened, closed_at=opened, extended=True,
               category="维修", complaint=False)  # fmt: skip
    (encoded,) = CaseEncoder(ctx).encode([row])
    assert encoded[:6] == (7, 3, 11, "C1", "门店", stored_attributes)
    assert KEYS.keyring.decrypt(encoded[6]) == "+8613812345678"
    assert encoded[7] is None  # no e-mail
    assert encoded[8] == keyed_hash("+8613812345678", KEYS.contact_hash_key)
    assert encoded[9:12] == (stored_time, None, None)
    assert encoded[12:] == (False, None, None, None, None, stored_time, True, "维修")
    assert pickle.loads(pickle.dumps(encoded)) == encoded


def test_contact_hash_falls_back_to_the_email() -> None:
    ctx = EncodingContext(1, 1, (), {"E1": 1}, "sqlite", KEYS)
    row = CaseRow(2, "C1", "E1", (), email="a@example.com")
    (encoded,) = CaseEncoder(ctx).encode([row])
    assert encoded[6] is None
    assert KEYS.keyring.decrypt(encoded[7]) == "a@example.com"
    assert encoded[8] == keyed_hash("a@example.com", KEYS.contact_hash_key)
    assert encoded[9:12] == (None, None, None)
