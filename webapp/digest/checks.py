"""`flask check`'s lines for the weekly letter: the practice's name as the
letter shows it, and the mail settings, once wanted.

Registered with ``core.checks.register_check``; nothing here stops start-up
(a mail problem must never keep the site from serving).
"""

from ..core.checks import Result
from .letter import practice_name
from .mail import addresses, host_problem, mail_settings

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

NAME = "weekly letter"
PRACTICE = "practice name"


def check_practice_name(config):
    """The practice's name as the letter's subject and first line show it.

    Never a problem here: practice.yaml refuses a name with a line break, and
    an old FLASK_PRACTICE_NAME with one is reported by site/old_settings.py.
    """
    return Result(PRACTICE, practice_name())


def _fail(problem):
    """A failed check of the mail settings."""
    return Result(NAME, problem, problem)


def _bad_address(value):
    """True unless ``value`` looks like one plain ``name@domain`` address."""
    name, _, domain = value.rpartition("@")
    return not name or "." not in domain or any(c.isspace() for c in value)


def check_mail(config):
    """When FLASK_DIGEST_TO is set, the mail settings can send the letter."""
    if not str(config.get("DIGEST_TO") or "").strip():
        return Result(NAME, "not sent (FLASK_DIGEST_TO is empty)")
    settings = mail_settings(config)
    raw_to = [part.strip() for part in str(config.get("DIGEST_TO")).split(",")]
    bad = [part for part in raw_to if part and not addresses(part)]
    bad += [addr for addr in settings.recipients if _bad_address(addr)]
    if bad or not settings.recipients:
        return _fail(
            "FLASK_DIGEST_TO must be e-mail addresses separated by commas, "
            f"not {', '.join(bad) or repr(config.get('DIGEST_TO'))}"
        )
    if not settings.server:
        return _fail(
            "FLASK_MAIL_SERVER is not set: the letter needs your e-mail provider's "
            "SMTP server (docs/deploy.md, The weekly letter)"
        )
    server_problem = host_problem(settings.server)
    if server_problem:
        return _fail(f"FLASK_MAIL_SERVER {settings.server!r} {server_problem}")
    port = settings.port
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        return _fail(f"FLASK_MAIL_PORT must be a port number, not {port!r}")
    if settings.use_tls and settings.use_ssl:
        return _fail(
            "FLASK_MAIL_USE_TLS and FLASK_MAIL_USE_SSL are both on: use TLS "
            "(STARTTLS) with port 587, or SSL with port 465, not both"
        )
    if settings.use_ssl and port == 587:
        return _fail(
            "FLASK_MAIL_USE_SSL with port 587: port 587 speaks STARTTLS "
            "(FLASK_MAIL_USE_TLS=true, FLASK_MAIL_USE_SSL=false)"
        )
    if not settings.use_ssl and port == 465:
        return _fail(
            "port 465 expects SSL from the start: set FLASK_MAIL_USE_SSL=true and "
            "FLASK_MAIL_USE_TLS=false (or use port 587 with STARTTLS)"
        )
    if settings.username and not settings.password:
        return _fail(
            "FLASK_MAIL_USERNAME is set without FLASK_MAIL_PASSWORD (your "
            "provider's app password)"
        )
    if settings.password and not settings.username:
        return _fail("FLASK_MAIL_PASSWORD is set without FLASK_MAIL_USERNAME")
    plain = not (settings.use_ssl or settings.use_tls)
    if plain and settings.username and settings.server not in LOCAL_HOSTS:
        return _fail(
            "FLASK_MAIL_USE_TLS and FLASK_MAIL_USE_SSL are both off: the password "
            f"would cross the network unencrypted to {settings.server}"
        )
    if not settings.sender:
        return _fail(
            "FLASK_MAIL_DEFAULT_SENDER is not set: the address the letter comes from"
        )
    if not addresses(settings.sender) or _bad_address(addresses(settings.sender)[0]):
        return _fail(
            f"FLASK_MAIL_DEFAULT_SENDER {settings.sender!r} is not an e-mail address"
        )
    security = "SSL" if settings.use_ssl else "STARTTLS" if settings.use_tls else "none"
    if plain:
        security += " (unencrypted: only for a server on this machine)"
    count = len(settings.recipients)
    return Result(
        NAME,
        f"to {count} address{'es' if count != 1 else ''} through {settings.where}, "
        f"encryption {security}",
    )
