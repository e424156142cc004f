"""The owner's preview of the weekly letter, and "Send me a copy".

``/stats/digest`` is an owner page under the site's strict CSP: it shows the
letter in a sandboxed ``<iframe>`` whose document, ``/stats/digest/letter.html``,
is the e-mail's HTML itself, served with a CSP of its own that allows inline
styles (the e-mail needs them) and nothing else: no script, image, font,
form or connection. ``srcdoc`` would not do: it inherits the page's CSP.
The frame's sandbox allows the same origin but no script, so the page's own
script (static/js/site.js) can read the letter's height and grow the frame
to it, while the letter itself can run nothing.

The owner cannot change a setting: when the mail settings stop a send, the
page says who can, and where (``MAIL_NOT_SET``), never a setting's name.
"""

import datetime
import re

from flask import (
    Blueprint,
    current_app,
    flash,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from ..auth.guard import login_required
from ..core import calendar
from ..core.calendar import Week
from ..core.db import get_db
from ..core.formatting import clock, long_date
from . import delivery, sends
from .letter import build, chosen_week, last_full_week
from .mail import mail_settings

bp = Blueprint("digest", __name__)

# The letter's own document: inline styles only, framed by our pages only.
LETTER_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
    ]
)
# A copy from the page is tried once, each SMTP step waiting PAGE_TIMEOUT
# seconds at most: the answer must come well within the proxy's 35 s
# (nginx proxy_read_timeout). The Monday letter keeps its own retries.
PAGE_RETRY_DELAYS = ()
PAGE_TIMEOUT = 10
WHO_CAN_HELP = "ask whoever runs your site (docs/deploy.md, 'The weekly letter')"
MAIL_NOT_SET = f"E-mail isn't set up yet: {WHO_CAN_HELP}"
SETTINGS_NEED_A_LOOK = f"the e-mail settings need a look: {WHO_CAN_HELP}"
# A failure worded for whoever runs the site names a setting (FLASK_MAIL_...).
SETTING_NAME = re.compile(r"\bFLASK_[A-Z_]+")
RESULT_WORDS = {
    sends.SENT: "sent",
    sends.FAILED: "not sent",
    sends.SENDING: "stopped midway (it may have arrived)",
}


def _chosen_week(value, today):
    """The Monday of the week asked for, and a message if the ask was bad."""
    try:
        return chosen_week(value, today), None
    except calendar.DayError as problem:
        return last_full_week(today), f"That week cannot be shown. {problem}"


@bp.get("/stats/digest")
@login_required
def preview():
    """The letter for a chosen week, with the week picker and "Send me a copy"."""
    today = calendar.today()
    monday, problem = _chosen_week(request.args.get("week"), today)
    weeks = [week.start for week in Week.before(today, 12)]  # a quarter to pick from
    if monday not in weeks:
        weeks.append(monday)
    choices = [(w.isoformat(), Week(w).label) for w in weeks]
    settings_problem = delivery.problem_before_sending(
        mail_settings(current_app.config)
    )
    context = {
        "monday": monday,
        "label": Week(monday).label,
        "dashboard_url": url_for(
            "stats.index",
            **{"from": monday.isoformat(), "to": Week(monday).end.isoformat()},
        ),
        "choices": choices,
        "problem": problem,
        "messages": get_flashed_messages(with_categories=True),
        "mail_ready": settings_problem is None,
        "mail_not_set": MAIL_NOT_SET,
        "history": [_owner_row(send) for send in sends.history(get_db(), limit=5)],
    }
    status = 400 if problem else 200
    return make_response(render_template("digest/preview.html", **context), status)


@bp.get("/stats/digest/letter.html")
@login_required
def letter():
    """The letter's e-mail HTML alone, for the preview's frame."""
    today = calendar.today()
    monday, _problem = _chosen_week(request.args.get("week"), today)
    text = delivery.render(build(get_db(), monday, current_app.config))[1]
    response = make_response(text)
    response.headers["Content-Security-Policy"] = LETTER_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.post("/stats/digest/send")
@login_required
def send_copy():
    """E-mail the chosen week's letter to the owner now (CSRF-checked).

    At most one copy a minute for the whole site (``sends.COPY_SPACING``);
    a second one within the minute gets a calm "try again in N seconds".
    """
    today = calendar.today()
    monday, problem = _chosen_week(request.form.get("week"), today)
    settings_problem = delivery.problem_before_sending(
        mail_settings(current_app.config)
    )
    if problem:
        flash(problem, "error")
    elif settings_problem:
        flash(f"{MAIL_NOT_SET}.", "error")
    else:
        outcome = delivery.send_week(
            get_db(),
            current_app.config,
            monday,
            copy=True,
            delays=PAGE_RETRY_DELAYS,
            timeout=PAGE_TIMEOUT,
        )
        message = owner_words(outcome.message, Week(monday).label)
        flash(message[:1].upper() + message[1:] + ".", "ok" if outcome.ok else "error")
    return redirect(url_for("digest.preview", week=monday.isoformat()), 303)


def owner_words(message, label):
    """A send's one line as the owner reads it: no setting's name."""
    if SETTING_NAME.search(message):
        return (
            f"the copy of the letter for {label} was not sent: {SETTINGS_NEED_A_LOOK}"
        )
    return message


def _owner_row(send):
    """One past send for the page: the week's name, the local time, plain words."""
    tried = datetime.datetime.strptime(send["attempted_at"], sends.TIME_FORMAT)
    tried = tried.replace(tzinfo=datetime.UTC).astimezone(calendar.practice_zone())
    detail = send["detail"] or ""
    return {
        "week": Week(datetime.date.fromisoformat(send["week"])).label,
        "tried": f"{long_date(tried.date())}, {clock(tried.time())}",
        "tried_iso": tried.isoformat(timespec="minutes"),
        "result": RESULT_WORDS.get(send["status"], send["status"]),
        "on_request": bool(send["forced"]),
        "detail": SETTINGS_NEED_A_LOOK if SETTING_NAME.search(detail) else detail,
    }
