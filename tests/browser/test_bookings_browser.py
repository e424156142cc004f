"""The owner imports bookings in a browser: upload, preview, confirm, undo."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from ..bookings_data import HEADER, SECRETS, export, row
from ..conftest import HOSTILE_STRINGS
from .conftest import DESKTOP, PHONE, axe_violations

PAGE = "/stats/bookings"
CASES = pytest.mark.parametrize(
    ("viewport", "scheme"),
    [(PHONE, "light"), (DESKTOP, "dark")],
    ids=["375px-light", "1280px-dark"],
)


def sign_in(open_page, live_server, password, **options):
    """Sign in through the login form and land on the bookings page."""
    page = open_page(f"/login?next={PAGE}", **options)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + PAGE)
    return page


def without_scripts(page, live_server):
    """Reload the page with its scripts emptied: the no-JS DOM, where axe runs."""
    page.route(
        lambda url: urlsplit(url).path.endswith(".js"),
        lambda route: route.fulfill(
            status=200, body="", content_type="text/javascript"
        ),
    )
    page.goto(live_server.url + PAGE)


def the_export():
    """An export with hostile service names and sources, and client details."""
    # The hostile rows first: the preview shows the first ten new bookings.
    rows = [
        row(service=text, source=text, appointment="03/20/2025")
        for text in HOSTILE_STRINGS
    ]
    rows += [row(appointment=f"03/{d:02d}/2025 10:00") for d in range(1, 13)]
    rows.append(row(status="No Show", appointment="03/21/2025"))
    return export(rows)


def choose_file(page):
    """Put the export into the file field, as the owner's file picker would."""
    page.get_by_label("Appointments report").set_input_files(
        files=[
            {"name": "appointments.csv", "mimeType": "text/csv", "buffer": the_export()}
        ]
    )


def sideways_scroll(page):
    """How far the page scrolls sideways (0: nothing wider than the screen)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def check_preview(page):
    """The preview says what will be stored and what is dropped, as plain text."""
    preview = page.locator("#bookings-preview")
    expect(preview).to_contain_text("Preview of appointments.csv")
    expect(preview).to_contain_text("Client Name")
    expect(preview).to_contain_text("Columns dropped, never stored")
    for text in HOSTILE_STRINGS:
        expect(preview.get_by_role("cell", name=text, exact=True).first).to_be_visible()
    body = page.locator("body").inner_text()
    assert not any(secret in body for secret in SECRETS)
    new_bookings = page.locator(".owner-total").filter(has_text="Kept bookings")
    expect(new_bookings.locator("dd")).to_have_text("15")
    assert sideways_scroll(page) <= 0
    assert axe_violations(page) == []


@CASES
def test_upload_preview_confirm_and_undo_with_htmx(
    open_page, live_server, owner_password, viewport, scheme
):
    page = sign_in(
        open_page, live_server, owner_password, viewport=viewport, color_scheme=scheme
    )
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    assert axe_violations(page) == []
    page.evaluate("window.__samePage = true")
    choose_file(page)
    page.get_by_role("button", name="Preview the import").click()
    check_preview(page)
    expect(page.locator("#bookings-status")).to_contain_text("Preview ready")
    page.get_by_role("button", name="Confirm the import").click()
    expect(page.locator(".owner-notice")).to_contain_text("is saved")
    expect(page.locator("#bookings-status")).to_contain_text("is saved")
    assert page.evaluate("window.__samePage === true")  # swapped, not reloaded
    assert axe_violations(page) == []
    page.get_by_role("button", name="Undo import").click()
    expect(page.locator(".owner-notice")).to_contain_text("16 bookings removed")
    expect(page.get_by_text("No imports yet.")).to_be_visible()
    assert page.evaluate("window.__samePage === true")
    page.watch.assert_clean()


@CASES
def test_upload_preview_confirm_and_undo_without_javascript(
    open_page, live_server, owner_password, viewport, scheme
):
    page = sign_in(
        open_page, live_server, owner_password, viewport=viewport, color_scheme=scheme
    )
    without_scripts(page, live_server)
    choose_file(page)
    page.get_by_role("button", name="Preview the import").click()
    check_preview(page)
    page.get_by_role("button", name="Confirm the import").click()
    page.wait_for_url("**/stats/bookings?done=confirmed*")
    expect(page.locator(".owner-notice")).to_contain_text("is saved")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Undo import").click()
    page.wait_for_url("**/stats/bookings?done=undone*")
    expect(page.locator(".owner-notice")).to_contain_text("16 bookings removed")
    page.watch.assert_clean()


def test_a_bad_file_shows_an_alert_with_javascript(
    open_page, live_server, owner_password
):
    page = sign_in(open_page, live_server, owner_password)
    page.get_by_label("Appointments report").set_input_files(
        files=[
            {
                "name": "appointments.csv",
                "mimeType": "text/csv",
                "buffer": export([row(), row(status="Maybe later")]),
            }
        ]
    )
    page.get_by_role("button", name="Preview the import").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("row 3, column “Status”")
    expect(alert).to_be_focused()
    assert axe_violations(page) == []
    page.watch.assert_clean()


# --- A column the reader does not know, chosen once -----------------------------

# A report whose appointment date column has a name no platform uses.
VISIT_HEADER = tuple(
    "Visit Day" if name == "Appointment Date" else name for name in HEADER
)
MAPPING_CASES = pytest.mark.parametrize(
    ("viewport", "scheme", "scripts"),
    [(PHONE, "light", True), (PHONE, "dark", False), (DESKTOP, "light", True)],
    ids=["375px-htmx", "375px-no-js", "1280px-htmx"],
)


def visit_day_export(month):
    """Three bookings of ``month`` (03 or 04) under the "Visit Day" header."""
    rows = [row(appointment=f"{month}/{day:02d}/2025 10:00") for day in (3, 4, 5)]
    return export(rows, header=VISIT_HEADER)


def choose(page, data, name):
    """Put ``data`` into the file field, as the owner's file picker would."""
    page.get_by_label("Appointments report").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )


@MAPPING_CASES
def test_a_date_column_named_otherwise_is_chosen_once(
    open_page, live_server, owner_password, viewport, scheme, scripts
):
    page = sign_in(
        open_page, live_server, owner_password, viewport=viewport, color_scheme=scheme
    )
    if not scripts:
        without_scripts(page, live_server)
    march = visit_day_export("03")
    choose(page, march, "march.csv")
    page.get_by_role("button", name="Preview the import").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("recognised as the appointment date")
    expect(alert).not_to_contain_text("--")
    appointment = page.get_by_label("Appointment", exact=True)
    expect(appointment).to_have_value("")
    page.wait_for_load_state()  # a full page's style sheet applied before measuring
    assert sideways_scroll(page) <= 0
    assert axe_violations(page) == []
    appointment.select_option(label="Visit Day")
    if not scripts:
        # The file is never kept on the server: a full page asks for it again.
        expect(page.locator("#bookings-file-help")).to_contain_text("choose it again")
        choose(page, march, "march.csv")
    page.get_by_role("button", name="Preview the import").click()
    preview = page.locator("#bookings-preview")
    expect(preview).to_contain_text("Preview of march.csv")
    new_bookings = page.locator(".owner-total").filter(has_text="Kept bookings")
    expect(new_bookings.locator("dd")).to_have_text("3")
    expect(page.get_by_label("Appointment", exact=True)).to_have_value("Visit Day")
    expect(preview.get_by_role("cell", name="Swedish, 60 min").first).to_be_visible()
    page.wait_for_load_state()  # a full page's style sheet applied before measuring
    assert sideways_scroll(page) <= 0
    assert axe_violations(page) == []
    # A choice changed in the preview: the file is read again with it.
    page.get_by_text("Change which column is read").click()
    page.get_by_label("Service", exact=True).select_option(label="Not in this file")
    if not scripts:
        choose(page, march, "march.csv")
    page.get_by_role("button", name="Preview the import").click()
    expect(preview.get_by_role("cell", name="Swedish, 60 min")).to_have_count(0)
    expect(page.get_by_label("Service", exact=True)).to_have_value("")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Confirm the import").click()
    expect(page.locator(".owner-notice")).to_contain_text("is saved")
    # Next month's report: the same headers, read at once with the same choice.
    choose(page, visit_day_export("04"), "april.csv")
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("#bookings-preview")).to_contain_text("Preview of april.csv")
    expect(page.locator("#bookings-recalled")).to_have_text(
        "Using the columns you chose last time for this report."
    )
    expect(new_bookings.locator("dd")).to_have_text("3")
    body = page.locator("body").inner_text()
    assert not any(secret in body for secret in SECRETS)
    page.watch.assert_clean()
