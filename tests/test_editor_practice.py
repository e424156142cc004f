"""Your details (/edit/practice): a plain form saved as a revision, refused by field."""

import io
import re

import pytest
from PIL import Image

from webapp.editor import form_fields
from webapp.site import revisions
from webapp.site.practice import Practice

from .conftest import csrf_token_from
from .servers import wait_until
from .test_photos import gps_exif, picture_bytes

PAGE = "/edit/practice"


def form_of(client):
    """The details form's fields as the page fills them in (plus the token)."""
    html = client.get(PAGE).get_data(as_text=True)
    form = html.split('id="practice-details"', 1)[1].split("</form>", 1)[0]
    values = {
        name: value
        for name, value in re.findall(
            r'<input[^>]* name="([^"]+)"[^>]* value="([^"]*)"', form
        )
        if 'type="checkbox"' not in name
    }
    for name, text in re.findall(
        r'<textarea[^>]* name="([^"]+)"[^>]*>([^<]*)</textarea>', form
    ):
        values[name] = text
    values["csrf_token"] = csrf_token_from(html)
    return values


def save(client, **changes):
    """Post the details form with ``changes`` (names with - and . as typed)."""
    data = {**form_of(client), "action": "save"}
    data.update({key.replace("__", "."): value for key, value in changes.items()})
    return client.post(PAGE, data=data)


def live_page(client, words, present=True):
    """True once ``/`` shows (or no longer shows) ``words``, within 2 seconds."""
    return wait_until(
        lambda: (words in client.get("/").get_data(as_text=True)) == present, seconds=2
    )


def test_readers_are_sent_to_the_login_and_their_posts_refused(
    client, db, owner_password
):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    for path in (PAGE, PAGE + "/photo"):
        response = client.post(path, data={"csrf_token": token, "name": "Taken"})
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    assert revisions.history(db, "practice.yaml") == []


def test_a_post_without_the_token_is_refused_and_nothing_saved(owner_client, db):
    response = owner_client.post(PAGE, data={"name": "Taken Over", "action": "save"})
    assert response.status_code == 400
    assert revisions.history(db, "practice.yaml") == []


def test_the_form_shows_every_key_of_the_model_in_plain_words_and_no_yaml(owner_client):
    response = owner_client.get(PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "practice.yaml" not in html and "yaml" not in html.lower()
    for key, info in Practice.model_fields.items():
        assert key in form_fields.LABELS, f"no words for the key {key}"
        inner = getattr(info.annotation, "model_fields", {})
        for name in inner:
            assert f"{key}.{name}" in form_fields.LABELS, f"no words for {key}.{name}"
    for words in ("Your name", "Sessions and prices", "Opening hours", "Monday"):
        assert words in html
    assert 'name="offers" type="checkbox" value="swedish"' in html


def test_a_new_price_and_hours_are_saved_and_shown_to_readers(owner_client, client, db):
    response = save(
        owner_client,
        **{
            "services-0-name": "Therapeutic massage",
            "services-0-minutes": "60",
            "services-0-price": "97",
            "hours-0-opens": "09:00",
            "hours-0-closes": "17:00",
            "hours-1-opens": "09:00",
            "hours-1-closes": "17:00",
            "offers": ["swedish"],
            "note": "new price",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'role="status">Saved\.', html)
    assert [row["note"] for row in revisions.history(db, "practice.yaml")] == [
        "new price"
    ]
    assert live_page(client, "$97")
    assert live_page(client, "Monday, Tuesday")
    # The form shows the saved words back, the sessions with a spare row.
    again = form_of(owner_client)
    assert again["services-0-price"] == "97"
    assert again["hours-1-closes"] == "17:00"


@pytest.mark.parametrize(
    "changes, field, words",
    [
        (
            {"hours-2-opens": "18:00", "hours-2-closes": "09:00"},
            "f-hours-2-closes",
            "Wednesday, closes",
        ),
        ({"hours-4-opens": "09:00"}, "f-hours-4-closes", "Friday, closes"),
        (
            {"services-0-name": "Hot stone", "services-0-price": "ninety"},
            "f-services-0-price",
            "Session 1, price",
        ),
        ({"services-1-price": "90"}, "f-services-1-name", "Session 2, name"),
        ({"currency": "Dollars"}, "f-currency", "Currency"),
        ({"emergency_number": "call me"}, "f-emergency_number", "Emergency number"),
        (
            {"therapist__years_in_practice": "a dozen"},
            "f-therapist-years_in_practice",
            "Years in practice",
        ),
    ],
    ids=[
        "closes-first",
        "no-closing",
        "price",
        "nameless",
        "currency",
        "emergency",
        "years",
    ],
)
def test_a_refusal_names_the_field_keeps_the_typing_and_saves_nothing(
    owner_client, client, db, changes, field, words
):
    before = client.get("/").get_data(as_text=True)
    response = save(owner_client, name="Typed But Refused", **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = re.search(
        r'<div id="practice-error"[^>]*role="alert".*?</div>', html, re.S
    )
    assert summary and f'href="#{field}"' in summary.group(0)
    assert words in summary.group(0)
    element = re.search(rf'<input id="{field}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in element
    assert f"{field}-error" in element
    assert f'id="{field}-error"' in html
    assert 'value="Typed But Refused"' in html
    assert "practice.yaml" not in html and "key '" not in html
    assert revisions.history(db, "practice.yaml") == []
    assert "Typed But Refused" not in client.get("/").get_data(as_text=True)
    assert client.get("/").get_data(as_text=True).count("$") == before.count("$")


def test_add_another_session_gives_a_row_and_saves_nothing(owner_client, db):
    data = {**form_of(owner_client), "action": "more", "services-0-name": "Swedish"}
    rows = int(data["service_rows"])
    html = owner_client.post(PAGE, data=data).get_data(as_text=True)
    assert f'name="services-{rows}-name"' in html
    assert f'name="services-{rows + 1}-name"' not in html
    assert 'value="Swedish"' in html
    assert "A row for another session was added." in html
    assert revisions.history(db, "practice.yaml") == []


def test_emptying_a_row_removes_that_session(owner_client, client):
    save(owner_client, **{"services-0-name": "Swedish", "services-0-price": "80"})
    assert live_page(client, "$80")
    save(owner_client, **{"services-0-name": "", "services-0-price": ""})
    assert live_page(client, "$80", present=False)


def upload(client, data, alt="Jordan, smiling, in the treatment room"):
    """Post the photo form with the picture ``data``."""
    token = csrf_token_from(client.get(PAGE).get_data(as_text=True))
    form = {
        "csrf_token": token,
        "photo_alt": alt,
        "photo": (io.BytesIO(data), "me.jpg"),
    }
    return client.post(PAGE + "/photo", data=form, content_type="multipart/form-data")


def test_a_photo_is_stored_without_its_gps_and_named_by_the_practice(
    owner_client, client, db
):
    response = upload(owner_client, picture_bytes(exif=gps_exif()))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Photo saved." in html
    url = re.search(r'src="(/photos/[0-9a-f]{64}\.webp)"', html).group(1)
    served = client.get(url)
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert not Image.open(io.BytesIO(served.data)).getexif()
    _id, text = revisions.newest_texts(db)["practice.yaml"]
    assert "stored:" in text and "Jordan, smiling" in text


def test_readers_see_the_stored_photo(owner_client, client):
    upload(owner_client, picture_bytes())
    assert live_page(client, 'src="/photos/')


@pytest.mark.parametrize(
    "data, alt, words",
    [
        (b"<?php echo 1; ?>", "Me", "not a photo we can use"),
        (None, "Me", "too large"),
        (picture_bytes(), "", "Describe the photo"),
    ],
    ids=["php-as-jpg", "huge-png", "no-description"],
)
def test_a_refused_photo_says_why_and_changes_nothing(
    owner_client, db, data, alt, words
):
    if data is None:
        from .test_photos import png_header_claiming

        data = png_header_claiming(20_000, 20_000)
    response = upload(owner_client, data, alt=alt)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert words in re.search(r'<div id="practice-error".*?</div>', html, re.S).group(0)
    assert 'aria-invalid="true"' in html
    assert db["content_photos"].count == 0
    assert revisions.history(db, "practice.yaml") == []


def test_a_photo_needs_the_token(owner_client, db):
    form = {"photo_alt": "Me", "photo": (io.BytesIO(picture_bytes()), "me.jpg")}
    response = owner_client.post(
        PAGE + "/photo", data=form, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert not db["content_photos"].exists() or db["content_photos"].count == 0


def test_remove_the_photo_takes_it_off_the_practice(owner_client, db):
    upload(owner_client, picture_bytes())
    token = csrf_token_from(owner_client.get(PAGE).get_data(as_text=True))
    response = owner_client.post(
        PAGE + "/photo", data={"csrf_token": token, "action": "remove"}
    )
    assert response.status_code == 200
    assert "Photo removed." in response.get_data(as_text=True)
    assert 'src="/photos/' not in response.get_data(as_text=True)
    _id, text = revisions.newest_texts(db)["practice.yaml"]
    assert "stored:" not in text and "photo_alt" not in text


def test_a_filled_in_practice_comes_back_whole_from_its_form(tmp_path):
    # What the form shows, posted back untouched, is the same practice: no key,
    # session, hour or offer is lost by opening the page and saving it.
    import yaml

    from webapp.site.content import validate

    from .practice_data import FILLED_PRACTICE

    data = {**yaml.safe_load(FILLED_PRACTICE), "offers": ["swedish", "deep-tissue"]}
    context = {"static_folder": "static", "technique_ids": ["swedish", "deep-tissue"]}
    practice = validate(Practice, data, "practice.yaml", context=context)
    values, offers = form_fields.form_values(practice)
    posted, _where = form_fields.practice_data(values, offers)
    text = yaml.safe_dump(posted, sort_keys=False, allow_unicode=True)
    again = validate(Practice, yaml.safe_load(text), "practice.yaml", context=context)
    assert again == practice
    assert [line["days"] for line in posted["hours"]] == [
        "Monday to Friday",
        "Saturday",
    ]


def test_a_file_over_the_upload_limit_is_refused_unread(owner_client, db):
    # A raw body (no test temp file): the app refuses it by its length, unread.
    body = b"--x\r\n" + b"0" * (9 * 1024 * 1024)
    response = owner_client.post(
        PAGE + "/photo", data=body, content_type="multipart/form-data; boundary=x"
    )
    assert response.status_code == 413
    assert db["content_photos"].count == 0
