"""Each platform's export, uploaded through the bookings page as it comes.

The thirteen files and their hand-counted figures are those of
``tests/test_bookings_platforms.py``: no column is chosen, the preview shows
the counts the owner expects and no client detail, and confirming saves them.
"""

import pytest
from playwright.sync_api import expect

from ..conftest import make_app
from ..test_bookings_platforms import (
    EXPORTS,
    EXPORTS_BY_PLATFORM,
    FREE_TEXT_SOURCES,
    private_cells,
)
from .conftest import PHONE, axe_violations
from .test_bookings_browser import sideways_scroll, sign_in

PLATFORMS = pytest.mark.parametrize("platform", sorted(EXPORTS_BY_PLATFORM))


@pytest.fixture
def app(database_path, platform):
    """The app as the practice that uses ``platform`` set it (a European one...)."""
    return make_app(database_path, **dict(EXPORTS_BY_PLATFORM[platform].config))


def in_file_sentence(export):
    """What the preview says the file holds, from the hand-counted figures."""
    return (
        f"In this file: {export.kept} kept, {export.pending} waiting for "
        f"confirmation, {export.cancelled + export.no_show} cancelled or no-show; "
        f"{export.new_clients} from new clients."
    )


@PLATFORMS
def test_each_export_uploads_with_no_column_chosen(
    open_page, live_server, owner_password, platform
):
    export = EXPORTS_BY_PLATFORM[platform]
    page = sign_in(open_page, live_server, owner_password, viewport=PHONE)
    path = EXPORTS / export.file
    kind = "text/plain" if path.suffix == ".txt" else "text/csv"
    page.get_by_label("Appointments report").set_input_files(
        files=[{"name": path.name, "mimeType": kind, "buffer": path.read_bytes()}]
    )
    page.get_by_role("button", name="Preview the import").click()
    preview = page.locator("#bookings-preview")
    expect(preview).to_contain_text(f"Preview of {path.name}")
    expect(page.locator("#bookings-in-file")).to_have_text(in_file_sentence(export))
    channels = page.locator("#bookings-channels")
    if export.website:
        expect(channels).to_contain_text(f"Your website {export.website}")
    else:
        expect(channels).not_to_contain_text("Your website")
    expect(page.get_by_role("alert")).to_have_count(0)
    body = page.locator("body").inner_text()
    secrets = private_cells(platform) | set(FREE_TEXT_SOURCES)
    assert [secret for secret in secrets if secret in body] == []
    assert sideways_scroll(page) <= 0
    assert axe_violations(page) == []
    page.get_by_role("button", name="Confirm the import").click()
    expect(page.locator(".owner-notice")).to_contain_text("is saved")
    added = page.locator("#bookings-imports-title + .dash-scroll tbody td.num").first
    expect(added).to_have_text(str(export.kept))
    page.watch.assert_clean()
