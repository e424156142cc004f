"""The practice's details as a plain form (``/edit/practice``), and the photo.

The form is walked from the model (``form_fields.py``); on save it becomes
practice.yaml's text and goes through ``site.revisions.save``, the one check
of a content file: a refusal is shown next to the field its key names, with
what was typed kept, and nothing is saved. The photo has its own form: the
upload is checked and cleaned by ``site.photos`` and the practice then names
it, saved the same way.
"""

import yaml
from flask import current_app, render_template, request

from ..auth.guard import login_required
from ..core.db import get_db
from ..core.security import body_limit
from ..site import photos, revisions
from ..site.content import ContentError, get_widgets
from ..site.loading import load_saved_content
from ..site.opening_hours import DAYS
from .blueprint import bp
from .form_fields import (
    LABELS,
    MAX_SERVICES,
    SERVICE_LABELS,
    field_of_error,
    form_values,
    plain_error,
    practice_data,
    sections,
    service_rows,
)

FILE = "practice.yaml"
# A form of words is small; the photo form carries the picture too.
PHOTO_BODY_LIMIT = photos.MAX_BYTES + 64 * 1024


def current_practice():
    """The practice as the site shows it now (the newest save that fits)."""
    db = get_db()
    content, _skipped = load_saved_content(current_app, revisions.newest_texts(db))
    return content["practice"]


def _field_labels():
    """``{field id: words}`` for naming a field in the error summary."""
    labels = {"f-offers": LABELS["offers"][0], "f-photo": "Photo"}
    labels["f-photo-alt"] = LABELS["therapist.photo_alt"][0]
    labels["f-therapist-photo_alt"] = LABELS["therapist.photo_alt"][0]
    labels["f-therapist-photo"] = "Photo"
    for part in sections():
        for field in part["fields"]:
            labels[field["id"]] = field["label"]
    for row in range(MAX_SERVICES):
        for part, words in SERVICE_LABELS.items():
            labels[f"f-services-{row}-{part}"] = f"Session {row + 1}, {words.lower()}"
    for day, name in enumerate(DAYS):
        for time in ("opens", "closes"):
            labels[f"f-hours-{day}-{time}"] = f"{name}, {time}"
    return labels


def _page(values, offers, *, status="", error=None, photo_form=None, code=200):
    """The practice form page, filled with ``values``."""
    techniques = [(item.id, item.name) for item in get_widgets().techniques.items]
    response = render_template(
        "editor/practice.html",
        sections=sections(),
        values=values,
        offers=offers,
        techniques=techniques,
        rows=service_rows(values),
        days=list(enumerate(DAYS)),
        status=status,
        error=error,
        photo_form=photo_form or {"alt": values.get("therapist.photo_alt", "")},
        photo=values.get("therapist.photo", ""),
        photo_url=photos.photo_url,
    )
    return response, code


def _refusal(message, where, fallback_id=None):
    """The error the page shows: the field it names, its words, the summary line."""
    field = field_of_error(message, where) or fallback_id
    return {
        "field": field,
        "text": plain_error(message),
        "label": _field_labels().get(field, "Your details"),
    }


def _save(values, offers, where, note):
    """Save the form's words as the newest practice.yaml; a refusal or None."""
    data, found = practice_data(values, offers)
    where.update(found)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    try:
        revisions.save(get_db(), FILE, text, note)
    except ContentError as error:
        return str(error)
    return None


@bp.route("/practice", methods=["GET", "POST"])
@login_required
def practice():
    """Show the practice's details as a form; on POST, save them or say why not."""
    if request.method == "GET":
        values, offers = form_values(current_practice())
        return _page(values, offers)
    values = {key: request.form.get(key, "")[:4000] for key in request.form}
    offers = request.form.getlist("offers")
    if request.form.get("action") == "more":
        values["service_rows"] = str(service_rows(values) + 1)
        return _page(values, offers, status="A row for another session was added.")
    where = {}
    note = request.form.get("note", "") or "your details changed"
    problem = _save(values, offers, where, note)
    if problem:
        return _page(values, offers, error=_refusal(problem, where), code=422)
    values["note"] = ""  # said once: the next save is another change
    return _page(values, offers, status="Saved. Readers see your new details now.")


@bp.post("/practice/photo")
@body_limit(PHOTO_BODY_LIMIT)
@login_required
def practice_photo():
    """Take the therapist's photo with its description, cleaned, and name it.

    The same form's "Remove the photo" button takes it off the site.
    """
    alt = request.form.get("photo_alt", "")[:400].strip()
    upload = request.files.get("photo")
    values, offers = form_values(current_practice())
    photo_form = {"alt": alt}
    if request.form.get("action") == "remove":
        values["therapist.photo"] = values["therapist.photo_alt"] = ""
        problem = _save(values, offers, {}, "photo removed")
        if problem:
            error = _refusal(problem, {}, "f-photo")
            return _page(values, offers, error=error, photo_form=photo_form, code=422)
        return _page(values, offers, status="Photo removed. Readers no longer see it.")
    if not alt:
        error = "Describe the photo for readers who cannot see it."
        return _page(
            values,
            offers,
            error={
                "field": "f-photo-alt",
                "text": error,
                "label": "What the photo shows",
            },
            photo_form=photo_form,
            code=422,
        )
    if upload is None or not upload.filename:
        error = {
            "field": "f-photo",
            "text": "Choose a photo to upload.",
            "label": "Photo",
        }
        return _page(values, offers, error=error, photo_form=photo_form, code=422)
    try:
        name = photos.store_photo(get_db(), upload.read(photos.MAX_BYTES + 1))
    except photos.PhotoError as problem:
        error = {"field": "f-photo", "text": str(problem), "label": "Photo"}
        return _page(values, offers, error=error, photo_form=photo_form, code=422)
    values["therapist.photo"], values["therapist.photo_alt"] = name, alt
    problem = _save(values, offers, {}, "new photo")
    if problem:
        error = _refusal(problem, {}, "f-photo")
        return _page(values, offers, error=error, photo_form=photo_form, code=422)
    return _page(values, offers, status="Photo saved. Readers see it now.")
