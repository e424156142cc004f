"""The letter as an e-mail, and sending it over SMTP, with the standard library.

The message is ``multipart/alternative`` (plain text, then HTML) built with
the ``email`` package; ``smtplib`` sends it with a timeout on each step and
the server's certificate checked (``ssl.create_default_context``). The
settings keep Flask-Mail's names (``FLASK_MAIL_SERVER`` and the rest).

Transient failures (a 4xx reply, a refused, reset or timed-out connection)
are tried again after ``RETRY_DELAYS``; a permanent one (5xx, a refused
login, a TLS or name problem, anything unexpected) stops at once. Either way
``SendError`` carries one line for the owner, never a password.
"""

import contextlib
import ipaddress
import re
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr

from ..core.text import clean_text
from .sends import scrub

# Seconds between tries: three more tries over about five minutes (the
# digest command says each failed try and when the next comes).
RETRY_DELAYS = (10, 60, 240)
# How long one SMTP step may wait for the server.
TIMEOUT = 30
FALSE_WORDS = ("", "0", "false", "no", "off", "n")
# One label of a host name, once IDNA-encoded as the socket module does it.
HOST_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.IGNORECASE)


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


def host_problem(server):
    """Why ``server`` is not a host name or IP address (None when it is one)."""
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(server)
        return None
    if ":" in server or "/" in server:
        return "is not a host name: give the name alone, the port in FLASK_MAIL_PORT"
    try:
        ascii_name = server.encode("idna").decode("ascii")
    except UnicodeError:
        return "is not a host name (an empty or over-long part between dots?)"
    labels = ascii_name.removesuffix(".").split(".")
    if len(ascii_name) > 253 or not all(HOST_LABEL.fullmatch(x) for x in labels):
        return "is not a host name (letters, digits and hyphens between dots)"
    return None


def addresses(value):
    """The addresses in a comma-separated setting (or a list), as typed."""
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    return [addr for _name, addr in getaddresses([str(value or "")]) if addr]


@dataclass(frozen=True)
class MailSettings:
    """The ``MAIL_*`` settings, read robustly from the app's config."""

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


def one_line(value):
    """A header's value without control characters: a CR or LF never reaches it."""
    value = str(value)
    return clean_text(value, len(value))


def build_message(settings, subject, text, html=None):
    """The e-mail: ``multipart/alternative`` when ``html`` is given.

    Every header value is one line (``one_line``): a line break in a setting
    can neither add a header nor stop the message being built.
    """
    message = EmailMessage()
    message["Subject"] = one_line(subject)
    message["From"] = one_line(settings.sender)
    message["To"] = one_line(", ".join(settings.recipients))
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def connect(settings, timeout):
    """An SMTP connection: TLS as set (the certificate checked), logged in if asked."""
    context = ssl.create_default_context()
    if settings.use_ssl:
        host = smtplib.SMTP_SSL(
            settings.server, settings.port, timeout=timeout, context=context
        )
    else:
        host = smtplib.SMTP(settings.server, settings.port, timeout=timeout)
    try:
        if settings.use_tls:
            host.starttls(context=context)
        if settings.username:
            host.login(settings.username, settings.password)
    except BaseException:
        host.close()
        raise
    return host


def send_once(settings, message, timeout=None):
    """One SMTP conversation that delivers ``message``; raises SendError."""
    timeout = TIMEOUT if timeout is None else timeout
    try:
        host = connect(settings, timeout)
        try:
            host.send_message(
                message, from_addr=settings.sender, to_addrs=list(settings.recipients)
            )
        finally:
            try:
                host.quit()  # the message is in: a failed goodbye is fine
            except (smtplib.SMTPException, OSError):
                host.close()
    except Exception as error:
        raise classify(error, settings, timeout) from None


def send(
    settings, message, *, delays=None, timeout=None, sleep=time.sleep, on_retry=None
):
    """Deliver ``message``, trying transient failures again; return the tries.

    ``timeout``: seconds each SMTP step may wait (default TIMEOUT). Before
    each wait, ``on_retry(error, seconds)`` hears what failed and how long
    until the next try. Raises SendError (its text says how many tries) when
    it could not.
    """
    delays = RETRY_DELAYS if delays is None else delays
    tries = 0
    while True:
        tries += 1
        try:
            send_once(settings, message, timeout)
            return tries
        except SendError as error:
            if not error.transient or tries > len(delays):
                note = f" (tried {tries} times)" if tries > 1 else ""
                raise SendError(f"{error}{note}", transient=error.transient) from None
            if on_retry is not None:
                on_retry(error, delays[tries - 1])
            sleep(delays[tries - 1])


def classify(error, settings, timeout=None):
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
    seconds = TIMEOUT if timeout is None else timeout
    if isinstance(error, smtplib.SMTPServerDisconnected) and "timed out" in str(error):
        # smtplib words a silent server's timeout as a closed connection.
        return SendError(f"{where} did not answer within {seconds} s", transient=True)
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
        reason = reason[:1].lower() + reason[1:]  # "connection refused", mid-line
        if isinstance(error, TimeoutError | socket.timeout):
            reason = f"no answer within {seconds} s"
        return SendError(f"could not reach {where} ({reason})", transient=True)
    if isinstance(error, UnicodeError):
        why = host_problem(settings.server)  # the IDNA codec refused the name?
        if why:
            server = f"FLASK_MAIL_SERVER {settings.server!r}"
            return SendError(f"{server} {why}", transient=False)
        # Else a login with non-ASCII text: its message could quote the password.
        return SendError(
            f"{where}: FLASK_MAIL_USERNAME or FLASK_MAIL_PASSWORD has characters "
            "an SMTP login cannot carry (letters outside ASCII?)",
            transient=False,
        )
    # Anything else (a bug, a library's surprise) is permanent: no blind retry.
    return SendError(
        f"sending through {where} failed unexpectedly "
        f"({type(error).__name__}: {scrub(error)})",
        transient=False,
    )


def _reply(code, text):
    """A server's reply as ``550 mailbox unavailable``, without addresses."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return scrub(f"{code} {text}")
