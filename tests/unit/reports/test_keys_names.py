"""Certificate subject names stay within X.520's 64-byte bound for long Chinese body names."""

from __future__ import annotations

from app.keys_store import _fit, _name


def test_long_chinese_name_is_shortened_to_64_utf8_bytes() -> None:
    body = "消费服务质量评价中心 Consumer Service Quality Evaluation Centre"
    fitted = _fit(f"Demo Root CA (not for production) {body}")
    assert len(fitted.encode("utf-8")) <= 64
    assert fitted.startswith("Demo Root CA")
    name = _name(f"Demo Root CA (not for production) {body}", body)
    assert name.rfc4514_string()
