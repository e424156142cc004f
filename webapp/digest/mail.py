"""The letter as an e-mail, and sending it over SMTP with Flask-Mail's settings.

The message is ``multipart/alternative`` (plain text, then HTML) built with
Python's ``email`` package: Flask-Mail's own ``Message`` wraps the two parts
in ``multipart/mixed``. Flask-Mail holds the settings (``Mail.init_mail``)
and the connection; ours adds a timeout and checks the server's certificate
(``ssl.create_default_context``), which Flask-Mail's does not.

Transient failures (a 4xx reply, a refused, reset or timed-out connection)
are tried again after ``RETRY_DELAYS``; a permanent one (5xx, a refused
login, a TLS or name problem) stops at once. Either way ``SendError`` carries
one line for the owner, never a password.
"""

import contextlib
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr

import flask_mail

from .sends import scrub

# Seconds between tries: three more tries over about five minutes.
RETRY_DELAYS = (10, 60, 240)
# How long one SMTP step may wait for the server.
TIMEOUT = 30
FALSE_WORDS = ("", "0", "false", "no", "off", "n")


class SendError(Exception):
    """The letter could not be sent; ``str()`` is one line for the owner."""

    def __init__(self, message, *, transient):
        """``transient``: worth trying again later (4xx, connection trouble)."""
        super().__init__(message)
        self.transient = transient


def as_bool(value):
    """A setting as a bool: ``"0"``, ``"no"``, ``"false"``, ``""`` are False."""
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_WORDS
    return bool(value)


def addresses(value):
    """The addresses in a comma-separated setting (or a list), as typed."""
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    return [addr for _name, addr in getaddresses([str(value or "")]) if addr]


@dataclass(frozen=True)
class MailSettings:
    """Flask-Mail's settings, read robustly from the app's config."""

    server: str
    port: object
    use_tls: bool
    use_ssl: bool
    username: str
    password: str
    sender: str
    recipients: tuple

    def __repr__(self):
        """Never show the password."""
        return f"MailSettings(server={self.server!r}, port={self.port!r})"

    @property
    def where(self):
        """``smtp.example.com:587`` for messages."""
        return f"{self.server}:{self.port}"


def mail_settings(config):
    """The mail settings of ``config`` (env strings made into bools and numbers)."""
    port = config.get("MAIL_PORT")
    with contextlib.suppress(TypeError, ValueError):
        # A bad one stays as typed: `flask check` names it, sending refuses it.
        port = int(str(port).strip())
    return MailSettings(
        server=str(config.get("MAIL_SERVER") or "").strip(),
        port=port,
        use_tls=as_bool(config.get("MAIL_USE_TLS")),
        use_ssl=as_bool(config.get("MAIL_USE_SSL")),
        username=str(config.get("MAIL_USERNAME") or ""),
        password=str(config.get("MAIL_PASSWORD") or ""),
        sender=str(config.get("MAIL_DEFAULT_SENDER") or "").strip(),
        recipients=tuple(addresses(config.get("DIGEST_TO"))),
    )


def build_message(settings, subject, text, html=None):
    """The e-mail: ``multipart/alternative`` when ``html`` is given."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


class _Connection(flask_mail.Connection):
    """Flask-Mail's connection, with a timeout and a checked certificate."""

    def configure_host(self):
        """Connect, STARTTLS if asked, log in if a username is set."""
        mail = self.mail
        context = ssl.create_default_context()
        if mail.use_ssl:
            host = smtplib.SMTP_SSL(
                mail.server, mail.port, timeout=TIMEOUT, context=context
            )
        else:
            host = smtplib.SMTP(mail.server, mail.port, timeout=TIMEOUT)
        try:
            if mail.use_tls:
                host.starttls(context=context)
            if mail.username:
                host.login(mail.username, mail.password)
        except BaseException:
            host.close()
            raise
        return host


def _state(settings):
    """Flask-Mail's settings object for ``settings``."""
    return flask_mail.Mail().init_mail(
        {
            "MAIL_SERVER": settings.server,
            "MAIL_PORT": settings.port,
            "MAIL_USE_TLS": settings.use_tls,
            "MAIL_USE_SSL": settings.use_ssl,
            "MAIL_USERNAME": settings.username,
            "MAIL_PASSWORD": settings.password,
            "MAIL_DEFAULT_SENDER": settings.sender,
            "MAIL_SUPPRESS_SEND": False,
        }
    )


def send_once(settings, message):
    """One SMTP conversation that delivers ``message``; raises SendError."""
    connection = _Connection(_state(settings))
    try:
        connection.host = connection.configure_host()
        connection.host.send_message(
            message, from_addr=settings.sender, to_addrs=list(settings.recipients)
        )
    except Exception as error:
        raise classify(error, settings) from None
    finally:
        if connection.host is not None:
            try:
                connection.host.quit()  # the message is in: a failed goodbye is fine
            except (smtplib.SMTPException, OSError):
                connection.host.close()


def send(settings, message, *, delays=None, sleep=time.sleep):
    """Deliver ``message``, trying transient failures again; return the tries.

    Raises SendError (its text says how many tries) when it could not.
    """
    delays = RETRY_DELAYS if delays is None else delays
    tries = 0
    while True:
        tries += 1
        try:
            send_once(settings, message)
            return tries
        except SendError as error:
            if not error.transient or tries > len(delays):
                note = f" (tried {tries} times)" if tries > 1 else ""
                raise SendError(f"{error}{note}", transient=error.transient) from None
            sleep(delays[tries - 1])


def classify(error, settings):
    """A SendError with one line for the owner, transient or permanent."""
    where = settings.where
    if isinstance(error, smtplib.SMTPAuthenticationError):
        reply = _reply(error.smtp_code, error.smtp_error)
        return SendError(
            f"{where} refused the login for FLASK_MAIL_USERNAME ({reply}): check the "
            "username and the app password",
            transient=False,
        )
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        replies = "; ".join(_reply(c, t) for c, t in error.recipients.values())
        transient = all(400 <= code < 500 for code in codes)
        return SendError(
            f"{where} refused the recipients ({replies})", transient=transient
        )
    if isinstance(error, smtplib.SMTPResponseException):
        reply = _reply(error.smtp_code, error.smtp_error)
        transient = 400 <= error.smtp_code < 500
        return SendError(f"{where} answered {reply}", transient=transient)
    if isinstance(error, smtplib.SMTPNotSupportedError) and "AUTH" in str(error):
        return SendError(
            f"{where} offers no login (AUTH) on this connection: check the port "
            "and FLASK_MAIL_USE_TLS/FLASK_MAIL_USE_SSL",
            transient=False,
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return SendError(
            f"{where} does not offer STARTTLS: for port 465 set "
            "FLASK_MAIL_USE_SSL=true and FLASK_MAIL_USE_TLS=false",
            transient=False,
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return SendError(f"{where} closed the connection ({error})", transient=True)
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return SendError(
            f"TLS with {where} failed ({getattr(error, 'reason', None) or error}): "
            "port 587 wants FLASK_MAIL_USE_TLS, port 465 FLASK_MAIL_USE_SSL",
            transient=False,
        )
    if isinstance(error, socket.gaierror):
        return SendError(
            f"cannot find the mail server {settings.server!r} (FLASK_MAIL_SERVER)",
            transient=False,
        )
    if isinstance(error, smtplib.SMTPException):  # before OSError, its base
        return SendError(f"{where}: {scrub(error)}", transient=False)
    if isinstance(error, OSError):
        reason = error.strerror or type(error).__name__
        if isinstance(error, TimeoutError | socket.timeout):
            reason = f"no answer within {TIMEOUT} s"
        return SendError(f"could not reach {where} ({reason})", transient=True)
    raise error


def _reply(code, text):
    """A server's reply as ``550 mailbox unavailable``, without addresses."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return scrub(f"{code} {text}")
