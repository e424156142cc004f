"""The owner's weekly letter: the article's week in plain words, by e-mail.

``letter`` chooses the week and words the numbers (from stats and bookings),
naming campaigns and referrers only as ``names`` allows (readers choose them);
``mail`` builds the message and talks SMTP; ``sends`` records each send (at
most once a week); ``delivery`` ties them together for the ``digest``
command (``commands``) and the owner's preview page (``views``); ``checks``
adds the practice's name and the mail settings to `flask check`.
"""

from flask import current_app

from ..core.checks import register_check
from . import checks, commands, delivery, views
from .mail import mail_settings


def init_app(app):
    """Register the digest command, the letter's preview page and its check."""
    app.register_blueprint(views.bp)
    commands.init_app(app)
    register_check(app, checks.check_practice_name)
    register_check(app, checks.check_mail)
    app.jinja_env.globals["weekly_letter_ready"] = weekly_letter_ready


def weekly_letter_ready():
    """True when the mail settings can send the weekly letter (for templates)."""
    settings = mail_settings(current_app.config)
    return delivery.problem_before_sending(settings) is None
