"""Cancelling a preview that is not waiting says what happened, plainly.

The pen-test (issue 24) found that cancelling a confirmed, an already
cancelled or an unknown import answered "The preview was discarded", which
is untrue for the first and misleading for the others.
"""

import pytest

from .bookings_data import export, row
from .test_bookings_upload import HTMX, PAGE, batch_of, counted, post_form, upload

ALREADY_CONFIRMED = (
    "That import was already confirmed, so there is no preview to cancel; to "
    "remove it, use its Undo button under “Past imports”."
)
NOT_PENDING = (
    "There is no preview to cancel: it was already discarded, replaced by a "
    "newer upload, or saved and undone. Nothing from it counts."
)


def error_of(response):
    """The page's alert, as the owner reads it."""
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html
    return html.split("data-error-summary>\n  <p>")[1].split("</p>")[0]


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_cancelling_a_confirmed_import_says_to_use_undo_and_keeps_it(
    app, owner_client, headers
):
    batch = batch_of(upload(owner_client, export([row()])).text)
    post_form(owner_client, f"{PAGE}/{batch}/confirm")
    response = post_form(owner_client, f"{PAGE}/{batch}/cancel", headers)
    assert response.status_code == 409
    assert error_of(response) == ALREADY_CONFIRMED
    assert counted(app) == 1
    assert f"bookings-undo-{batch}" in response.get_data(as_text=True)


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_cancelling_twice_says_there_is_no_preview_any_more(owner_client, headers):
    batch = batch_of(upload(owner_client, export([row()])).text)
    first = post_form(owner_client, f"{PAGE}/{batch}/cancel", headers)
    assert first.status_code in (200, 303)
    again = post_form(owner_client, f"{PAGE}/{batch}/cancel", headers)
    assert again.status_code == 409
    assert error_of(again) == NOT_PENDING


def test_a_replaced_preview_cannot_be_cancelled_or_confirmed(app, owner_client):
    old = batch_of(upload(owner_client, export([row()])).text)
    new = batch_of(upload(owner_client, export([row(service="Hot stone")])).text)
    assert error_of(post_form(owner_client, f"{PAGE}/{old}/cancel")) == NOT_PENDING
    assert post_form(owner_client, f"{PAGE}/{old}/confirm").status_code == 409
    # The new preview is untouched by the stale buttons.
    assert f"/stats/bookings/{new}/confirm" in owner_client.get(PAGE).text
    assert counted(app) == 0


def test_cancelling_an_import_that_never_was_is_404(owner_client):
    response = post_form(owner_client, f"{PAGE}/99/cancel")
    assert response.status_code == 404
    assert error_of(response) == "There is no import 99 (any more)."
