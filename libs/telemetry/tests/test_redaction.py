"""URL credentials are cut from log events, wherever in the event they are."""

from __future__ import annotations

from sellerbot_telemetry import redact_credentials, redact_url


def test_userinfo_of_any_scheme_is_cut_and_the_rest_kept() -> None:
    cases = {
        "nats://bot:s3cret@127.0.0.1:4222": "nats://***@127.0.0.1:4222",
        "redis://:pw@h:6379/0": "redis://***@h:6379/0",
        "nats://token@h:4222": "nats://***@h:4222",
        "postgresql+asyncpg://u:p@ss@h/db": "postgresql+asyncpg://***@h/db",  # an unescaped @ in the password
        "nats://a:b@h1:4222,nats://c:d@h2:4222": "nats://***@h1:4222,nats://***@h2:4222",
        "write to ana@loja.test or see http://h/x@y": "write to ana@loja.test or see http://h/x@y",
    }
    for raw, logged in cases.items():
        assert redact_url(raw) == logged


def test_every_string_of_an_event_and_logged_exceptions_are_redacted() -> None:
    event = {"event": "connect failed for nats://u:p@h", "nested": {"urls": ["redis://:x@h/0"]},
             "error": ConnectionError("amqp://u:secret@mq refused"), "count": 3}
    assert redact_credentials(None, "warning", event) == {
        "event": "connect failed for nats://***@h", "nested": {"urls": ["redis://***@h/0"]},
        "error": "amqp://***@mq refused", "count": 3}
