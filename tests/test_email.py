"""send_email against a real SMTP server (aiosmtpd) on 127.0.0.1: plain, STARTTLS and SSL, with AUTH."""
from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from delivery import DeliveryError
from delivery.email import send_email
from listenwell.config import Smtp

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS",
                                        "ignore:Session.login_data is deprecated")

PASSWORD = "s3cret-Pa55word"
USER = "alerts@fernhill.example"


class Sink:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
        and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cert(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if not shutil.which("openssl"):
        pytest.skip("the openssl command is needed to make a test certificate")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=30,
    )
    return d / "cert.pem", d / "key.pem"


def server_context(cert) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    return ctx


@pytest.fixture
def smtp_env(monkeypatch):
    monkeypatch.setenv("TEST_SMTP_USER", USER)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)


def run_server(**kwargs):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            auth_required=True, **kwargs)
    controller.start()
    return sink, controller


def smtp_config(port: int, security: str = "none", password_env: str = "TEST_SMTP_PASSWORD") -> Smtp:
    return Smtp(host="127.0.0.1", port=port, security=security, username_env="TEST_SMTP_USER",
                password_env=password_env, sender="Listenwell <alerts@fernhill.example>")


def check_message(sink: Sink, message_id: str, recipients: list[str]) -> None:
    assert len(sink.envelopes) == 1
    env = sink.envelopes[0]
    assert sorted(env.rcpt_tos) == sorted(recipients)
    assert env.mail_from == "alerts@fernhill.example"
    msg = message_from_bytes(env.original_content, policy=default_policy)
    assert msg["Message-ID"].strip() == message_id
    assert msg["Subject"] == "[listenwell] Priya Raman posted something negative"
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]  # text first, HTML last (the preferred one)
    assert "Open the post: https://x.com/p/1" in msg.get_body(("plain",)).get_content()
    assert '<a href="https://x.com/p/1">' in msg.get_body(("html",)).get_content()


def send(smtp: Smtp, recipients: list[str], **kw) -> str:
    return send_email(smtp, recipients=recipients, subject="[listenwell] Priya Raman posted something negative",
                      text="Priya is unhappy.\n\nOpen the post: https://x.com/p/1\n",
                      html='<p>Priya is unhappy.</p><p><a href="https://x.com/p/1">Open the post</a></p>', **kw)


def test_plain_smtp_with_auth_delivers_text_and_html_to_every_recipient(smtp_env):
    sink, controller = run_server(auth_require_tls=False)
    try:
        recipients = ["ops@fernhill.example", "ceo@fernhill.example"]
        message_id = send(smtp_config(controller.port), recipients, timeout=5)
        assert message_id.startswith("<") and message_id.endswith("@fernhill.example>")
        check_message(sink, message_id, recipients)
    finally:
        controller.stop()


def test_wrong_password_is_a_clear_error_without_the_password(smtp_env, monkeypatch):
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong-" + PASSWORD)
    sink, controller = run_server(auth_require_tls=False)
    try:
        with pytest.raises(DeliveryError) as caught:
            send(smtp_config(controller.port), ["ops@fernhill.example"], timeout=5)
    finally:
        controller.stop()
    message = str(caught.value)
    assert "rejected the login" in message and "alerts@fernhill.example" in message
    assert "TEST_SMTP_PASSWORD" in message  # says where the password comes from
    assert PASSWORD not in message and "wrong-" not in message
    assert not sink.envelopes


def test_missing_password_variable_names_it(monkeypatch):
    monkeypatch.delenv("NOPE_SMTP_PASSWORD", raising=False)
    with pytest.raises(DeliveryError, match="NOPE_SMTP_PASSWORD is not set"):
        send(smtp_config(1, password_env="NOPE_SMTP_PASSWORD"), ["ops@fernhill.example"])


def test_connection_refused_is_a_clear_error():
    smtp = Smtp(host="127.0.0.1", port=free_port(), security="none", sender="alerts@fernhill.example")
    with pytest.raises(DeliveryError, match="connection refused"):
        send(smtp, ["ops@fernhill.example"], timeout=2)


def test_starttls_verifies_the_certificate_then_authenticates(smtp_env, cert, monkeypatch):
    sink, controller = run_server(tls_context=server_context(cert), require_starttls=True, auth_require_tls=True)
    try:
        smtp = smtp_config(controller.port, security="starttls")
        # an untrusted (self-signed) certificate is refused
        monkeypatch.setenv("SSL_CERT_FILE", str(cert[0].parent / "missing.pem"))
        with pytest.raises(DeliveryError, match="certificate not trusted"):
            send(smtp, ["ops@fernhill.example"], timeout=5)
        # trusted: delivered over TLS
        monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))
        message_id = send(smtp, ["ops@fernhill.example"], timeout=5)
        check_message(sink, message_id, ["ops@fernhill.example"])
    finally:
        controller.stop()


def test_starttls_required_but_not_offered_is_refused_before_any_password(smtp_env):
    sink, controller = run_server(auth_require_tls=False)
    try:
        with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
            send(smtp_config(controller.port, security="starttls"), ["ops@fernhill.example"], timeout=5)
    finally:
        controller.stop()


def test_implicit_ssl(smtp_env, cert, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))
    sink, controller = run_server(ssl_context=server_context(cert), auth_require_tls=False)
    try:
        message_id = send(smtp_config(controller.port, security="ssl"), ["ops@fernhill.example"], timeout=5)
        check_message(sink, message_id, ["ops@fernhill.example"])
    finally:
        controller.stop()


def test_cleartext_password_to_a_remote_host_is_a_config_error():
    with pytest.raises(ValueError, match="unencrypted"):
        Smtp(host="smtp.example.com", security="none", password_env="P", sender="a@example.com")
