"""Email over SMTP: one multipart/alternative message (text, then HTML) to a list of recipients.

The password comes only from the environment variable that ``smtp.password_env`` names; it never
appears in an error message.
"""
from __future__ import annotations

import logging
import os
import re
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from delivery.errors import DeliveryError, scrub

log = logging.getLogger(__name__)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _credentials(smtp) -> tuple[str, str] | None:
    if not smtp.password_env:
        return None
    password = os.environ.get(smtp.password_env)
    if not password:
        raise DeliveryError(f"SMTP password: environment variable {smtp.password_env} is not set")
    if smtp.username_env:
        username = os.environ.get(smtp.username_env)
        if not username:
            raise DeliveryError(f"SMTP username: environment variable {smtp.username_env} is not set")
    else:
        username = parseaddr(smtp.sender)[1]
    return username, password


def build_message(smtp, recipients: list[str], subject: str, text: str, html: str | None,
                  images: dict[str, bytes] | None = None) -> EmailMessage:
    sender_address = parseaddr(smtp.sender)[1]
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = _one_line(subject)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(idstring="listenwell", domain=sender_address.rsplit("@", 1)[-1] or None)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
        # PNGs the HTML shows as <img src="cid:NAME">: multipart/related inside the HTML alternative
        html_part = msg.get_payload()[-1]
        for cid, png in (images or {}).items():
            html_part.add_related(png, maintype="image", subtype="png", cid=f"<{cid}>", filename=f"{cid}.png",
                                  disposition="inline")
    return msg


def send_email(
    smtp,
    *,
    recipients: list[str],
    subject: str,
    text: str,
    html: str | None = None,
    timeout: float = 30.0,
    images: dict[str, bytes] | None = None,
) -> str:
    """Send one message; returns its Message-ID. Raises DeliveryError with a message free of secrets.

    ``images`` maps a content id to PNG bytes, for ``<img src="cid:…">`` in the HTML."""
    recipients = [r.strip() for r in recipients if r and r.strip()]
    if not recipients:
        raise DeliveryError("no email recipients given")
    creds = _credentials(smtp)
    msg = build_message(smtp, recipients, subject, text, html, images)
    where = f"SMTP server {smtp.host}:{smtp.port} ({smtp.security})"
    secrets = [creds[1]] if creds else []
    try:
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        with client:
            client.ehlo()
            if smtp.security == "starttls":
                if not client.has_extn("starttls"):
                    raise DeliveryError(f"{where} does not offer STARTTLS; use security: ssl, or check the port")
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if creds:
                try:
                    client.login(*creds)
                except smtplib.SMTPAuthenticationError as exc:
                    raise DeliveryError(
                        f"{where} rejected the login for user {creds[0]!r} ({exc.smtp_code} {_reply(exc.smtp_error)}); "
                        f"check the password in ${smtp.password_env}"
                    ) from None
                except smtplib.SMTPNotSupportedError:
                    raise DeliveryError(f"{where} does not offer AUTH on this connection") from None
            refused = client.send_message(msg, from_addr=parseaddr(smtp.sender)[1], to_addrs=recipients)
            if refused:
                # the others got it: raising would make a retry send it to them twice
                log.warning("%s refused some recipients: %s", where, ", ".join(sorted(refused)))
    except DeliveryError as exc:
        raise DeliveryError(scrub(str(exc), secrets)) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"{where} refused every recipient: {', '.join(sorted(exc.recipients))}") from None
    except smtplib.SMTPSenderRefused as exc:
        raise DeliveryError(scrub(f"{where} refused the sender {smtp.sender!r} "
                                  f"({exc.smtp_code} {_reply(exc.smtp_error)})", secrets)) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(scrub(f"{where} answered {exc.smtp_code} {_reply(exc.smtp_error)}", secrets)) from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(f"{where}: TLS certificate not trusted ({exc.verify_message})") from None
    except ssl.SSLError as exc:
        raise DeliveryError(f"{where}: TLS failed ({exc.reason or type(exc).__name__}); "
                            f"check security (starttls on 587, ssl on 465)") from None
    except (socket.timeout, TimeoutError):
        raise DeliveryError(f"{where}: no answer within {timeout:g}s") from None
    except ConnectionRefusedError:
        raise DeliveryError(f"{where}: connection refused; check host and port") from None
    except socket.gaierror:
        raise DeliveryError(f"{where}: host name not found") from None
    except smtplib.SMTPException as exc:
        raise DeliveryError(scrub(f"{where}: {type(exc).__name__}: {exc}", secrets)) from None
    except OSError as exc:
        raise DeliveryError(f"{where}: {exc.strerror or type(exc).__name__}") from None
    return msg["Message-ID"]


def _reply(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return _one_line(text)[:200]
