"""The owner imports bookings in a browser: upload, preview, confirm, undo."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from ..bookings_data import SECRETS, export, row
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
    new_bookings = page.locator(".owner-total").filter(has_text="New bookings")
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
    expect(page.locator(".owner-notice")).to_contain_text("16 booking(s) removed")
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
    expect(page.locator(".owner-notice")).to_contain_text("16 booking(s) removed")
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
