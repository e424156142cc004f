"""`flask check`'s lines for the weekly letter: the practice's name as the
letter shows it, and the mail settings, once wanted.

Registered with ``core.checks.register_check``; nothing here stops start-up
(a mail problem must never keep the site from serving).
"""

from ..core.checks import Result
from .delivery import is_plain_address, problem_before_sending
from .letter import practice_name
from .mail import addresses, mail_settings

NAME = "weekly letter"
PRACTICE = "practice name"


def check_practice_name(config):
    """The practice's name as the letter's subject and first line show it.

    Never a problem here: practice.yaml refuses a name with a line break, and
    an old FLASK_PRACTICE_NAME with one is reported by site/old_settings.py.
    """
    return Result(PRACTICE, practice_name())


def check_mail(config):
    """When FLASK_DIGEST_TO is set, the mail settings can send the letter."""
    if not str(config.get("DIGEST_TO") or "").strip():
        return Result(NAME, "not sent (FLASK_DIGEST_TO is empty)")
    settings = mail_settings(config)
    # As typed: a part that is no address at all is dropped by sending.
    raw_to = [part.strip() for part in str(config.get("DIGEST_TO")).split(",")]
    bad = [part for part in raw_to if part and not addresses(part)]
    bad += [addr for addr in settings.recipients if not is_plain_address(addr)]
    if bad or not settings.recipients:
        problem = (
            "FLASK_DIGEST_TO must be e-mail addresses separated by commas, "
            f"not {', '.join(bad) or repr(config.get('DIGEST_TO'))}"
        )
    else:
        problem = problem_before_sending(settings)
    if problem:
        return Result(NAME, problem, problem)
    security = "SSL" if settings.use_ssl else "STARTTLS" if settings.use_tls else "none"
    if security == "none":
        security += " (unencrypted: only for a server on this machine)"
    count = len(settings.recipients)
    return Result(
        NAME,
        f"to {count} address{'es' if count != 1 else ''} through {settings.where}, "
        f"encryption {security}",
    )
