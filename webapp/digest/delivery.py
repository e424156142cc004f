"""Sending the week's letter: render it, claim the week, send, record the result.

Used by the ``digest`` command and by the preview page's "Send me a copy".
"""

from dataclasses import dataclass

from flask import render_template

from ..core.calendar import Week
from ..core.formatting import counted, current_locale
from . import mail, sends
from .letter import build, practice_name

# Where a password may travel without encryption: this machine only.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass
class Outcome:
    """What a send did: ``ok``, and one line for the owner."""

    ok: bool
    message: str


def render(letter):
    """The letter as ``(plain text, HTML)``, from the same data."""
    text = render_template("digest/letter.txt", letter=letter)
    html = render_template(
        "digest/letter.html", letter=letter, lang=current_locale().language
    )
    return text, html


def problem_before_sending(settings):
    """Why these settings cannot send the letter (None when they can): the one rule.

    ``flask check`` says the same words (checks.py), after its own look at
    FLASK_DIGEST_TO as typed.
    """
    if not settings.recipients:
        return "FLASK_DIGEST_TO is not set: put the owner's address there"
    if not settings.server:
        return (
            "FLASK_MAIL_SERVER is not set: the letter needs your e-mail provider's "
            "SMTP server (docs/deploy.md, The weekly letter)"
        )
    server_problem = mail.host_problem(settings.server)
    if server_problem:
        return f"FLASK_MAIL_SERVER {settings.server!r} {server_problem}"
    port = settings.port
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        return f"FLASK_MAIL_PORT must be a port number, not {port!r}"
    if settings.use_tls and settings.use_ssl:
        return (
            "FLASK_MAIL_USE_TLS and FLASK_MAIL_USE_SSL are both on: use TLS "
            "(STARTTLS) with port 587, or SSL with port 465, not both"
        )
    if settings.use_ssl and port == 587:
        return (
            "FLASK_MAIL_USE_SSL with port 587: port 587 speaks STARTTLS "
            "(FLASK_MAIL_USE_TLS=true, FLASK_MAIL_USE_SSL=false)"
        )
    if not settings.use_ssl and port == 465:
        return (
            "port 465 expects SSL from the start: set FLASK_MAIL_USE_SSL=true and "
            "FLASK_MAIL_USE_TLS=false (or use port 587 with STARTTLS)"
        )
    if settings.username and not settings.password:
        return (
            "FLASK_MAIL_USERNAME is set without FLASK_MAIL_PASSWORD (your "
            "provider's app password)"
        )
    if settings.password and not settings.username:
        return "FLASK_MAIL_PASSWORD is set without FLASK_MAIL_USERNAME"
    unencrypted = not (settings.use_ssl or settings.use_tls)
    if unencrypted and settings.username and settings.server not in LOCAL_HOSTS:
        return (
            "FLASK_MAIL_USE_TLS and FLASK_MAIL_USE_SSL are both off: the password "
            f"would cross the network unencrypted to {settings.server}"
        )
    if not settings.sender:
        return "FLASK_MAIL_DEFAULT_SENDER is not set: the address the letter comes from"
    sender = mail.addresses(settings.sender)
    if not sender or not is_plain_address(sender[0]):
        return f"FLASK_MAIL_DEFAULT_SENDER {settings.sender!r} is not an e-mail address"
    return None


def is_plain_address(value):
    """True when ``value`` looks like one plain ``name@domain`` address."""
    name, _, domain = value.rpartition("@")
    return bool(name) and "." in domain and not any(c.isspace() for c in value)


def send_week(
    db,
    config,
    monday,
    *,
    forced=False,
    delays=None,
    timeout=None,
    copy=False,
    on_retry=None,
):
    """Send the letter of the week starting ``monday``, at most once unless forced.

    ``on_retry(error, seconds)`` hears each failed try that will be tried again.
    """
    settings = mail.mail_settings(config)
    label = Week(monday).label
    problem = problem_before_sending(settings)
    if problem:
        return Outcome(False, f"cannot send the letter for {label}: {problem}")
    letter = build(db, monday, config)
    text, html = render(letter)
    message = mail.build_message(settings, letter.subject, text, html)
    detail = "a copy from the preview page" if copy else ""
    try:
        send_id = sends.claim(
            db,
            monday.isoformat(),
            len(settings.recipients),
            forced=forced or copy,
            detail=detail,
            spaced=copy,
        )
    except sends.NotSending as refusal:
        return Outcome(not refusal.failed, str(refusal))
    # Any error of the conversation is a SendError (mail.classify); only an
    # interruption (Ctrl-C, a killed process) leaves the row "sending": the
    # message may be out, so the next run says so instead of sending again.
    try:
        tries = mail.send(
            settings, message, delays=delays, timeout=timeout, on_retry=on_retry
        )
    except mail.SendError as error:
        sends.finish(db, send_id, sends.FAILED, str(error))
        if copy:
            return Outcome(
                False,
                f"the copy of the letter for {label} was not sent: {error}; the "
                "Monday letter does not depend on it and tries again on its own",
            )
        return Outcome(
            False,
            f"the letter for {label} was not sent: {error}; the next run tries again",
        )
    sends.finish(db, send_id, sends.SENT, f"{tries} tries" if tries > 1 else detail)
    return Outcome(
        True, f"sent the letter for {label} to {_recipients(settings.recipients)}"
    )


TEST_TEXT = (
    "This is a test from {practice}'s site: the mail settings work.\n\n"
    "The weekly letter will come from this address every Monday morning.\n"
)


def send_test(config, *, delays=()):
    """A short test message with the letter's settings; never recorded.

    Not tried again by default: the owner is waiting to learn what is wrong.
    """
    settings = mail.mail_settings(config)
    problem = problem_before_sending(settings)
    if problem:
        return Outcome(False, f"cannot send a test message: {problem}")
    practice = practice_name()
    message = mail.build_message(
        settings,
        f"{practice}: a test of the weekly letter's settings",
        TEST_TEXT.format(practice=practice),
    )
    try:
        mail.send(settings, message, delays=delays)
    except mail.SendError as error:
        return Outcome(False, f"the test message was not sent: {error}")
    return Outcome(True, f"sent a test message to {_recipients(settings.recipients)}")


def _recipients(recipients):
    """``1 recipient``, ``2 recipients``."""
    return counted(len(recipients), "recipient")
