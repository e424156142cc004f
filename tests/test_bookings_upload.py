"""The owner's bookings page: upload, preview, confirm, cancel, undo; htmx and not."""

import datetime
import html as markup
import io
import json
import logging
import re
import tempfile
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from webapp.bookings import summary
from webapp.core.db import connect

from .bookings_data import HEADER, SECRETS, export, row
from .conftest import (
    HOSTILE_STRINGS,
    csrf_token_from,
    log_in,
    make_app,
    store_owner_password,
)

PAGE = "/stats/bookings"
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/stats/bookings"}


def upload(
    client, data, name="appointments.csv", mimetype="text/csv", headers=None, form=None
):
    """POST ``data`` as the page's form does, CSRF token included (and ``form``)."""
    token = csrf_token_from(client.get(PAGE).get_data(as_text=True))
    # Encoded in memory: the test client would spool a big body to a temp file.
    boundary, body = encode_multipart(
        {
            "csrf_token": token,
            **(form or {}),
            "file": FileStorage(io.BytesIO(data), name, content_type=mimetype),
        }
    )
    return client.post(
        PAGE,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers or {},
    )


def post_form(client, path, headers=None):
    """POST a page's small form (Confirm, Cancel, Undo) with its CSRF token."""
    token = csrf_token_from(client.get(PAGE).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token}, headers=headers or {})


def stored(app, sql):
    """Rows of the app's database."""
    db = connect(app.config["DATABASE"])
    try:
        return db.execute(sql).fetchall()
    finally:
        db.conn.close()


def counted(app, day="2025-03-01"):
    """Kept bookings the dashboard's summary counts on ``day``."""
    db = connect(app.config["DATABASE"])
    try:
        when = datetime.date.fromisoformat(day)
        return summary.summarise(db, when, when, app.config).bookings
    finally:
        db.conn.close()


def chosen(html, field):
    """The option a column select shows as chosen ('' for "Not in this file")."""
    select = re.search(
        rf'<select[^>]*name="column-{field}".*?</select>', html, re.S
    ).group(0)
    found = re.search(r'<option value="([^"]*)" selected>', select)
    return found.group(1) if found else None


def batch_of(html):
    """The batch number in a preview's Confirm form."""
    return int(re.search(r"/stats/bookings/(\d+)/confirm", html).group(1))


def test_only_the_owner_gets_in(app, client, owner_password):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    # Even with a valid CSRF token (from the login form), nothing is read.
    token = csrf_token_from(client.get("/login").text)
    boundary, body = encode_multipart(
        {"csrf_token": token, "file": FileStorage(io.BytesIO(export([row()])), "a.csv")}
    )
    response = client.post(
        PAGE, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 302
    assert stored(app, "select count(*) from import_batches") == [(0,)]


def test_upload_preview_confirm(app, owner_client):
    rows = [row(), row(status="Cancelled"), row(source="Yelp", new="No")]
    response = upload(owner_client, export(rows))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Preview of appointments.csv" in html
    assert chosen(html, "appointment") == "Appointment Date"
    assert chosen(html, "appointment_time") == ""
    for column in ("Client Name", "Email", "Phone", "Notes"):
        assert f"<li>{column}</li>" in html
    assert "Swedish, 60 min" in html and "<td>Your website</td>" in html
    assert "<td>A directory or marketplace</td>" in html and "$95" in html
    assert "How they were booked: Your website 2, A directory or marketplace 1." in (
        html
    )
    assert not any(secret in html for secret in SECRETS)
    # Pending: stored without the client details, counted nowhere yet.
    assert counted(app) == 0
    batch = batch_of(html)
    confirmed = post_form(owner_client, f"/stats/bookings/{batch}/confirm")
    assert confirmed.status_code == 303
    page = owner_client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert f"Import {batch} is saved" in page
    assert f"bookings-undo-{batch}" in page
    assert counted(app) == 2
    # A second Confirm of the same preview does nothing more.
    again = post_form(owner_client, f"/stats/bookings/{batch}/confirm")
    assert again.status_code == 409
    assert "no longer waiting" in again.get_data(as_text=True)


def test_htmx_gets_the_panel_and_its_status_words(owner_client):
    response = upload(owner_client, export([row()]), headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert 'id="bookings-status"' in html and "data-hx-swap-oob" in html
    assert "Preview ready: 1 row read, 1 kept booking to add, 0 cancelled" in html
    assert (
        response.headers["Vary"] == "HX-Request"
        or "HX-Request" in response.headers["Vary"]
    )
    batch = batch_of(html)
    confirmed = post_form(owner_client, f"/stats/bookings/{batch}/confirm", HTMX)
    assert confirmed.status_code == 200
    assert f"Import {batch} is saved" in confirmed.get_data(as_text=True)


def test_the_page_and_the_fragment_share_one_panel(owner_client):
    page = owner_client.get(PAGE).get_data(as_text=True)
    fragment = owner_client.get(PAGE, headers=HTMX).get_data(as_text=True)
    form = re.search(r'<form id="bookings-upload".*?</form>', page, re.S).group(0)
    assert re.sub(r'value="[^"]+"', "", form) in re.sub(r'value="[^"]+"', "", fragment)


def test_cancel_discards_the_preview(app, owner_client):
    batch = batch_of(upload(owner_client, export([row()])).get_data(as_text=True))
    response = post_form(owner_client, f"/stats/bookings/{batch}/cancel")
    assert response.status_code == 303
    assert "nothing was imported" in owner_client.get(response.headers["Location"]).text
    assert stored(app, "select count(*) from bookings") == [(0,)]


def test_undo_removes_one_import(app, owner_client):
    first = batch_of(upload(owner_client, export([row()])).text)
    post_form(owner_client, f"/stats/bookings/{first}/confirm")
    second = batch_of(
        upload(owner_client, export([row(appointment="04/01/2025")])).text
    )
    post_form(owner_client, f"/stats/bookings/{second}/confirm")
    response = post_form(owner_client, f"/stats/bookings/{second}/undo")
    assert response.status_code == 303
    assert "1 booking removed" in owner_client.get(response.headers["Location"]).text
    assert stored(app, "select batch from bookings") == [(first,)]
    assert post_form(owner_client, f"/stats/bookings/{second}/undo").status_code == 404


def test_a_bad_row_is_named_and_nothing_is_stored(app, owner_client):
    response = upload(owner_client, export([row(), row(appointment="31/31/2025")]))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was imported: row 3, column “Appointment Date”" in html
    assert 'role="alert"' in html
    assert stored(app, "select count(*) from import_batches") == [(0,)]


@pytest.mark.parametrize(
    ("data", "name", "mimetype"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "photo.png", "image/png"),
        (b"PK\x03\x04" + bytes(100), "report.xlsx", "application/vnd.ms-excel"),
        (b"PK\x03\x04" + bytes(100), "report.csv", "text/csv"),
    ],
)
def test_a_file_that_is_not_csv_gets_a_clear_message(
    app, owner_client, data, name, mimetype
):
    response = upload(owner_client, data, name, mimetype)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "CSV" in text and 'role="alert"' in text
    # The file field is marked, and htmx does not keep the refused file in it.
    assert 'aria-invalid="true"' in text and "data-hx-preserve" not in text
    assert stored(app, "select count(*) from import_batches") == [(0,)]


def test_no_file_chosen(owner_client):
    token = csrf_token_from(owner_client.get(PAGE).text)
    response = owner_client.post(PAGE, data={"csrf_token": token})
    assert response.status_code == 400
    assert "Choose a CSV file" in response.text


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_a_huge_upload_gets_413_and_a_clear_message(app, owner_client, headers):
    limit = app.config["BOOKINGS_UPLOAD_LIMIT"]
    response = upload(owner_client, b"a" * (limit + 1), headers=headers)
    assert response.status_code == 413
    assert "larger than 8 MB" in response.get_data(as_text=True)


def test_an_upload_without_a_csrf_token_is_refused(app, owner_client):
    response = owner_client.post(
        PAGE,
        data={"file": (io.BytesIO(export([row()])), "a.csv", "text/csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert stored(app, "select count(*) from import_batches") == [(0,)]


def test_the_upload_never_touches_a_temporary_file(app, owner_client, monkeypatch):
    # A file over Werkzeug's 500 KB threshold would be spooled to disk.
    def refuse(*args, **kwargs):
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", refuse)
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    rows = [
        row(appointment=f"03/{1 + i % 28:02d}/2025 {i % 24}:{i % 60:02d}")
        for i in range(6000)
    ]
    data = export(rows)
    assert len(data) > 600_000
    response = upload(owner_client, data)
    assert response.status_code == 200, response.text[:500]
    assert "Preview of appointments.csv" in response.text


def test_hostile_service_names_and_sources_are_shown_as_text(owner_client):
    rows = [row(service=text, source=text) for text in HOSTILE_STRINGS]
    html = upload(owner_client, export(rows)).get_data(as_text=True)
    for text in HOSTILE_STRINGS:
        assert text not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<svg onload" not in html


def test_the_page_has_no_inline_style_or_script(owner_client):
    html = upload(owner_client, export([row()])).get_data(as_text=True)
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_a_signed_out_owner_cannot_confirm(app, owner_password):
    client = app.test_client()
    log_in(client, owner_password)
    batch = batch_of(upload(client, export([row()])).text)
    token = csrf_token_from(client.get(PAGE).text)
    client.post("/logout", data={"csrf_token": token})
    response = client.post(
        f"/stats/bookings/{batch}/confirm", data={"csrf_token": token}
    )
    assert response.status_code in (302, 400)
    assert stored(app, "select confirmed_at from import_batches") == [("",)]


def test_no_client_detail_from_an_upload_is_stored_or_logged(app, owner_client, caplog):
    before = set(Path(tempfile.gettempdir()).iterdir())
    with caplog.at_level(logging.DEBUG):
        html = upload(owner_client, export([row(), row(status="No Show")])).text
        post_form(owner_client, f"/stats/bookings/{batch_of(html)}/confirm")
    assert stored(app, "select count(*) from bookings") == [(2,)]
    database = Path(app.config["DATABASE"])
    for path in (database, Path(f"{database}-wal")):
        if path.exists():
            data = path.read_bytes()
            assert not any(secret.encode() in data for secret in SECRETS), path
    assert not any(secret in caplog.text for secret in SECRETS)
    for path in set(Path(tempfile.gettempdir()).iterdir()) - before:
        if path.is_file():
            data = path.read_bytes()
            assert not any(secret.encode() in data for secret in SECRETS), path


# --- A later export's statuses wait for the owner's confirmation -------------------


def statuses(app, batch=1):
    """``{status: count}`` of the bookings one import added (March's: 1)."""
    return dict(
        stored(
            app,
            f"select status, count(*) from bookings where batch = {batch}"
            " group by status",
        )
    )


def upcoming_then_moved_on():
    """A March export of three upcoming bookings and April's word on them."""
    days = ("03/20/2025 10:00", "03/21/2025 10:00", "03/22/2025 10:00")
    march = export([row(appointment=day, status="Upcoming") for day in days])
    april = export(
        [
            row(appointment=days[0], status="Completed"),
            row(appointment=days[1], status="Completed"),
            row(appointment=days[2], status="Cancelled"),
            row(appointment="04/02/2025 10:00", status="Upcoming"),
        ]
    )
    return march, april


def test_a_preview_changes_no_status_until_the_owner_confirms(app, owner_client):
    march, april = upcoming_then_moved_on()
    post_form(
        owner_client,
        f"/stats/bookings/{batch_of(upload(owner_client, march).text)}/confirm",
    )
    assert statuses(app) == {"upcoming": 3}
    response = upload(owner_client, april, headers=HTMX)
    html = response.get_data(as_text=True)
    assert (
        "1 kept booking to add, 0 cancelled or no-show, 3 bookings already "
        "imported, 3 status changes" in html
    )
    assert (
        "3 bookings already imported will take this file’s newer status when you "
        "confirm (upcoming → completed 2, upcoming → cancelled 1)" in html
    )
    # The preview changed nothing: the statuses, the counts and the batch.
    assert statuses(app) == {"upcoming": 3}
    assert counted(app, "2025-03-01") == 3
    batch = batch_of(html)
    assert stored(
        app, f"select status_changes from import_batches where id = {batch}"
    ) == [(3,)]
    # The page drawn again from the database says the same.
    page = owner_client.get(PAGE).text
    assert "(upcoming → completed 2, upcoming → cancelled 1)" in page
    assert statuses(app) == {"upcoming": 3}
    post_form(owner_client, f"/stats/bookings/{batch}/confirm")
    assert statuses(app) == {"completed": 2, "cancelled": 1}
    assert statuses(app, batch) == {"upcoming": 1}
    assert counted(app, "2025-03-01") == 3  # two completed, the new upcoming one
    assert stored(
        app, f"select status_changes from import_batches where id = {batch}"
    ) == [(3,)]
    listed = owner_client.get(PAGE).text
    assert re.search(r'<td class="num">3</td>\s*<td>\s*<form', listed)
    # Undo gives the three back their March status and removes April's new one.
    response = post_form(owner_client, f"/stats/bookings/{batch}/undo")
    assert (
        "1 booking removed, 3 bookings given back their previous status"
        in owner_client.get(response.headers["Location"]).text
    )
    assert statuses(app) == {"upcoming": 3}


def test_cancel_drops_the_pending_status_changes(app, owner_client):
    march, april = upcoming_then_moved_on()
    post_form(
        owner_client,
        f"/stats/bookings/{batch_of(upload(owner_client, march).text)}/confirm",
    )
    upload(owner_client, april)  # replaced by the next upload: its changes go too
    batch = batch_of(upload(owner_client, april).text)
    assert stored(app, "select distinct batch from booking_status_changes") == [
        (batch,)
    ]
    post_form(owner_client, f"/stats/bookings/{batch}/cancel")
    assert stored(app, "select count(*) from booking_status_changes") == [(0,)]
    assert stored(app, "select count(*) from import_batches") == [(1,)]
    assert statuses(app) == {"upcoming": 3}
    # A Confirm of the cancelled preview finds nothing to apply.
    assert (
        post_form(owner_client, f"/stats/bookings/{batch}/confirm").status_code == 409
    )
    assert statuses(app) == {"upcoming": 3}


@pytest.mark.parametrize("action", ["confirm", "cancel", "undo"])
def test_a_huge_batch_number_is_404_not_an_error(owner_client, action):
    for batch in ("99999999999999999999999", "9223372036854775808"):
        response = post_form(owner_client, f"{PAGE}/{batch}/{action}")
        assert response.status_code == 404, (batch, response.status_code)


def test_an_uploaded_windows_1252_file_with_a_late_accent_is_read(app, owner_client):
    rows = [row(service="Swedish 60") for _ in range(600)]
    rows.append(row(appointment="03/20/2025 10:00", service="Soin détente"))
    data = export(rows, bom=False).decode().encode("cp1252")
    assert data.index(b"\xe9") > 100 * 1024
    response = upload(owner_client, data)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert ("Soin détente",) in stored(app, "select service from bookings")


# --- The owner chooses columns and status words on the page -------------------------

# A report whose appointment date column has a name no platform uses.
VISIT_HEADER = tuple(
    "Visit Day" if name == "Appointment Date" else name for name in HEADER
)


def form_of(html):
    """What the page's upload form sends as it stands: selects and hidden choices."""
    form = {
        name: markup.unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="(headers|word-\d+)" value="([^"]*)">', html
        )
    }
    for name, options in re.findall(
        r'<select[^>]*name="([^"]+)">(.*?)</select>', html, re.S
    ):
        # As a browser does: the selected option, else the first ("" here).
        found = re.search(r'<option value="([^"]*)" selected>', options)
        form[name] = markup.unescape(found.group(1)) if found else ""
    return form


def remembered(app):
    """The column choices kept, as ``[(fields, statuses)]``."""
    return [
        (json.loads(columns), json.loads(words))
        for columns, words in stored(app, "select fields, statuses from column_maps")
    ]


def test_a_date_column_named_otherwise_is_chosen_on_the_page_and_remembered(
    app, owner_client
):
    march = export([row(), row(appointment="03/19/2025 10:00")], header=VISIT_HEADER)
    response = upload(owner_client, march)
    assert response.status_code == 400
    html = response.text
    assert "no column of this file was recognised as the appointment date" in html
    assert "--map" not in html and "HEADER" not in html
    assert chosen(html, "appointment") == ""
    assert '<option value="Visit Day">Visit Day</option>' in html
    assert not any(secret in html for secret in SECRETS)
    assert stored(app, "select count(*) from import_batches") == [(0,)]
    form = form_of(html) | {"column-appointment": "Visit Day"}
    response = upload(owner_client, march, form=form)
    assert response.status_code == 200, response.text[:300]
    assert chosen(response.text, "appointment") == "Visit Day"
    assert "<dt>Kept bookings (completed or upcoming)</dt><dd>2</dd>" in response.text
    # Kept only once the owner confirms the import.
    assert remembered(app) == []
    post_form(owner_client, f"/stats/bookings/{batch_of(response.text)}/confirm")
    assert remembered(app) == [({"appointment": "Visit Day"}, {})]
    assert counted(app) == 2
    # Next month's report has the same headers: read at once, and the page says why.
    april = export([row(appointment="04/02/2025 10:00")], header=VISIT_HEADER)
    response = upload(owner_client, april, headers=HTMX)
    assert response.status_code == 200
    assert "Using the columns you chose last time for this report." in response.text
    assert chosen(response.text, "appointment") == "Visit Day"
    assert "<dt>Kept bookings (completed or upcoming)</dt><dd>1</dd>" in response.text


def test_a_choice_put_back_to_what_the_reader_found_is_forgotten(app, owner_client):
    data = export([row()], header=VISIT_HEADER)
    form = form_of(upload(owner_client, data).text) | {
        "column-appointment": "Visit Day"
    }
    form["column-service"] = ""  # "Not in this file"
    html = upload(owner_client, data, form=form).text
    assert "<td>—</td>" in html  # no service read
    post_form(owner_client, f"/stats/bookings/{batch_of(html)}/confirm")
    assert remembered(app) == [({"appointment": "Visit Day", "service": ""}, {})]
    later = export([row(appointment="04/02/2025 10:00")], header=VISIT_HEADER)
    html = upload(owner_client, later).text
    assert chosen(html, "service") == ""
    form = form_of(html) | {"column-service": "Service"}
    html = upload(owner_client, later, form=form).text
    post_form(owner_client, f"/stats/bookings/{batch_of(html)}/confirm")
    assert remembered(app) == [({"appointment": "Visit Day"}, {})]


def test_choices_made_for_another_file_are_not_applied(owner_client):
    html = upload(owner_client, export([row()], header=VISIT_HEADER)).text
    form = form_of(html) | {"column-appointment": "Visit Day"}
    # The owner (without JavaScript) chooses another report this time.
    response = upload(owner_client, export([row()]), form=form)
    assert response.status_code == 200
    assert chosen(response.text, "appointment") == "Appointment Date"


def test_a_status_word_the_reader_does_not_know_is_chosen_on_the_page(
    app, owner_client
):
    rows = [
        row(),
        row(appointment="03/19/2025 10:00", status="Deposit Due"),
        row(appointment="03/20/2025 10:00", status="deposit due"),
    ]
    response = upload(owner_client, export(rows))
    assert response.status_code == 400
    html = response.text
    assert "row 3, column “Status”" in html
    assert "Say below what each of the file’s status words means" in html
    assert '<label for="bookings-status-1">“deposit due”</label>' in html
    form = form_of(html)
    assert form["word-1"] == "deposit due" and form["status-1"] == ""
    response = upload(owner_client, export(rows), form=form | {"status-1": "pending"})
    assert response.status_code == 200, response.text[:300]
    assert "In this file: 1 kept, 2 waiting for confirmation" in response.text
    post_form(owner_client, f"/stats/bookings/{batch_of(response.text)}/confirm")
    assert remembered(app) == [({}, {"deposit due": "pending"})]
    assert counted(app) == 1  # pending bookings are not counted as kept


def test_a_status_column_of_names_is_never_shown(owner_client):
    html = upload(owner_client, export([row(), row(name="Ottoline Brackenbury")])).text
    form = form_of(html) | {"column-status": "Client Name"}
    response = upload(owner_client, export([row()]), form=form)
    assert response.status_code == 400
    assert "column “Client Name”" in response.text
    assert "Ottoline" not in response.text and "Philippa" not in response.text
    assert 'name="word-1"' not in response.text


def test_skipping_the_rows_that_cannot_be_read(owner_client):
    rows = [row(), row(appointment="31/31/2025"), row(appointment="03/20/2025 9:00")]
    refused = upload(owner_client, export(rows))
    assert refused.status_code == 400
    assert "Skip the rows that cannot be read" in refused.text
    response = upload(owner_client, export(rows), form={"skip_bad_rows": "1"})
    assert response.status_code == 200, response.text[:300]
    html = response.text
    # Said once, by the reader's note (the terminal prints the same line).
    assert html.count("1 row that could not be read skipped: 3.") == 1
    assert "<dt>Kept bookings (completed or upcoming)</dt><dd>2</dd>" in html
    assert 'name="skip_bad_rows" type="checkbox" value="1" checked' in html


def test_without_javascript_the_page_asks_for_the_file_again(owner_client):
    page = upload(owner_client, export([row()])).text
    assert "choose it again here: it is never kept on the server" in page
    fragment = upload(owner_client, export([row()]), headers=HTMX).text
    assert "choose it again" not in fragment
    # htmx keeps the chosen file in its input while the panel is swapped.
    assert re.search(r'<input[^>]*id="bookings-file"[^>]*data-hx-preserve', fragment)
    assert 'name="column-appointment"' in fragment


def test_no_message_names_a_terminal_option(owner_client):
    rows = [row(appointment="03/18/2025"), row(appointment="18/03/2025")]
    response = upload(owner_client, export(rows))
    assert response.status_code == 400
    assert "mixes day-first and month-first dates" in response.text
    assert "--" not in re.search(
        r'<div id="bookings-error".*?</div>', response.text, re.S
    ).group(0)


def test_hostile_column_names_are_shown_as_text(owner_client):
    header = (*HEADER[:-1], HOSTILE_STRINGS[0])
    html = upload(owner_client, export([row()], header=header)).text
    assert HOSTILE_STRINGS[0] not in html
    assert markup.escape(HOSTILE_STRINGS[0]) in html


def test_a_file_without_a_header_row_shows_none_of_its_cells(owner_client):
    # No header: the first row is a client's booking, and no column is named.
    response = upload(owner_client, export([row()], header=row(appointment="")))
    assert response.status_code == 400
    html = response.text
    assert "no column of this file was recognised as the appointment date" in html
    assert "Check that the file is the appointments report" in html
    assert 'name="column-' not in html
    assert not any(secret in html for secret in SECRETS)


def test_a_file_with_nothing_new_records_no_preview(app, owner_client):
    data = export([row(), row(appointment="03/19/2025 10:00")])
    post_form(
        owner_client,
        f"/stats/bookings/{batch_of(upload(owner_client, data).text)}/confirm",
    )
    response = upload(owner_client, data, headers=HTMX)
    assert response.status_code == 200
    assert "Nothing new in this file: 2 bookings already imported." in response.text
    assert "Confirm the import" not in response.text
    assert stored(app, "select count(*) from import_batches") == [(1,)]


def test_a_booking_found_by_its_id_is_updated_only_on_confirm(app, owner_client):
    header = (*HEADER, "Appointment ID")
    march = export([(*row(status="Upcoming"), "A-1001")], header=header)
    post_form(
        owner_client,
        f"/stats/bookings/{batch_of(upload(owner_client, march).text)}/confirm",
    )
    april = export([(*row(price="$110.00"), "A-1001")], header=header)
    html = upload(owner_client, april).text
    assert (
        "1 booking already imported, found by its booking id, will take this "
        "file’s newer price, time, service or status when you confirm" in html
    )
    assert stored(app, "select price_cents, status from bookings") == [
        (9500, "upcoming")
    ]
    post_form(owner_client, f"/stats/bookings/{batch_of(html)}/confirm")
    assert stored(app, "select price_cents, status from bookings") == [
        (11000, "completed")
    ]


def test_columns_chosen_on_the_terminal_are_used_on_the_page(
    app, owner_client, tmp_path
):
    path = tmp_path / "march.csv"
    path.write_bytes(export([row()], header=VISIT_HEADER))
    result = app.test_cli_runner().invoke(
        args=["bookings", "import", str(path), "--map", "appointment=Visit Day"]
    )
    assert result.exit_code == 0, result.output
    april = export([row(appointment="04/02/2025 10:00")], header=VISIT_HEADER)
    response = upload(owner_client, april)
    assert response.status_code == 200
    assert "Using the columns you chose last time for this report." in response.text
    assert chosen(response.text, "appointment") == "Visit Day"


# --- Words and dates for people (issue 29) ------------------------------------

WITHOUT_BOOKED_ON = tuple(name for name in HEADER if name != "Date Booked")


def without_booked_on(*rows):
    """An export of ``rows`` with no "booked on" column."""
    return export([cells[:-1] for cells in rows], header=WITHOUT_BOOKED_ON)


def preview_table(html):
    """The preview's table of bookings, as its HTML."""
    return html.split('<table class="dash-table bookings-rows">')[1].split("</table>")[
        0
    ]


def test_the_preview_reads_dates_in_the_practices_locale_on_one_line(owner_client):
    data = export([row(appointment="03/18/2025 2:30 PM", booked="03/01/2025")])
    table = preview_table(upload(owner_client, data).get_data(as_text=True))
    # Babel's en_US: a narrow no-break space before PM; never the ISO form.
    assert "Mar 18, 2025, 2:30\u202fPM</time>" in table
    assert '<time class="bookings-when" datetime="2025-03-18T14:30">' in table
    assert "Mar 1, 2025</time>" in table  # it counts on the day it was booked
    assert "2025-03-18</" not in table and "2025-03-18 " not in table
    assert "<td>New client</td>" in table


def test_a_british_practice_reads_its_own_dates(database_path):
    app = make_app(database_path, LOCALE="en_GB", TIME_ZONE="Europe/London")
    client = app.test_client()
    assert log_in(client, store_owner_password(database_path)).status_code == 302
    data = export([row(appointment="03/18/2025 2:30 PM")])
    table = preview_table(upload(client, data).get_data(as_text=True))
    assert "18 Mar 2025, 14:30</time>" in table


def test_without_a_booked_on_column_no_counts_on_column_is_shown(owner_client):
    data = without_booked_on(row(appointment="03/18/2025"), row(new="No"))
    table = preview_table(upload(owner_client, data).get_data(as_text=True))
    assert "Counts on" not in table
    assert "Mar 18, 2025</time>" in table  # a day without a time
    assert "<td>Returning client</td>" in table


@pytest.mark.parametrize(
    ("bookings", "caption"),
    [
        (1, "The booking this file adds, as it will be stored"),
        (3, "The 3 bookings this file adds, as they will be stored"),
        (12, "The first 10 of the 12 bookings this file adds, as they will be stored"),
    ],
)
def test_the_preview_counts_its_bookings_in_words(owner_client, bookings, caption):
    rows = [
        row(appointment=f"03/{day:02d}/2025 10:00") for day in range(1, 1 + bookings)
    ]
    html = upload(owner_client, export(rows)).get_data(as_text=True)
    assert f'<caption id="bookings-rows-caption">{caption}</caption>' in html
    assert "(s)" not in html


def test_the_result_message_takes_the_focus_and_says_what_happened(app, owner_client):
    upload(owner_client, export([row(), row(appointment="03/19/2025 10:00")]))
    batch = stored(app, "select max(id) from import_batches")[0][0]
    # With htmx: the panel's message is the element htmx focuses after the swap.
    response = post_form(owner_client, f"{PAGE}/{batch}/confirm", headers=HTMX)
    html = response.get_data(as_text=True)
    assert 'id="bookings-message" class="owner-notice" tabindex="-1" autofocus' in html
    # Without: the page the redirect leads to focuses it on load.
    response = post_form(owner_client, f"{PAGE}/{batch}/undo")
    page = owner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'tabindex="-1" autofocus><p>Import 1 is undone: 2 bookings removed.' in page
    # Past imports say when, in the practice's words (no ISO date on the page).
    assert "Imported (UTC)" not in page


def test_no_setting_name_or_command_on_the_bookings_page(owner_client):
    html = upload(owner_client, export([row()])).get_data(as_text=True)
    text = markup.unescape(re.sub(r"<[^>]+>", " ", html))
    for word in ("flask ", "--", "FLASK_", "MDY", "DMY", "row(s)", "booking(s)"):
        assert word not in text, word
    assert "Kept bookings (completed or upcoming)" in text


def test_every_state_of_the_bookings_page_is_valid_html(app, owner_client, tmp_path):
    from .test_html_valid import Documents, describe, java_or_skip, run_checker

    java = java_or_skip()
    docs = Documents(tmp_path)
    docs.get(owner_client, PAGE, 200)  # nothing imported yet
    data = export([row(), row(appointment="03/19/2025", new="", price="")])
    for headers in ({}, HTMX):
        docs.add(upload(owner_client, data, headers=headers), "preview", 200)
    docs.add(upload(owner_client, without_booked_on(row())), "no booked on", 200)
    batch = stored(app, "select max(id) from import_batches")[0][0]
    confirm = post_form(owner_client, f"{PAGE}/{batch}/confirm", headers=HTMX)
    docs.add(confirm, "confirmed (htmx)", 200)
    undone = post_form(owner_client, f"{PAGE}/{batch}/undo")
    docs.get(owner_client, undone.headers["Location"], 200)  # message autofocused
    docs.add(upload(owner_client, b"not,a\nbookings,file\n"), "unreadable", 400)

    messages = run_checker(java, tmp_path)

    errors = [describe(m, docs.sources) for m in messages if m["type"] != "info"]
    assert not errors, "\n".join(errors)
