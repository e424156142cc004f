"""A content/practice.yaml with every block filled in, for the tests that need one.

No tests live here: test_practice.py, test_html_valid.py and
browser/test_practice_browser.py build their filled-in site from it.
"""

from webapp import create_app

from .conftest import create_migrated_database

# Markup in the owner's words must reach readers as text.
MARKUP = "<b>firm</b> & <i>kind</i>"
FILLED_PRACTICE = f"""\
name: Calm Hands Massage
phone: +1 555 0100
address: 1 Main Street
city: Springfield
therapist:
  name: Jordan Lee
  photo: og-image.png
  photo_alt: Jordan Lee in the treatment room
  license_type: Licensed Massage Therapist (LMT)
  license_number: MA-12345
  licensed_by: Massachusetts Board of Registration of Massage Therapy
  years_in_practice: 12
  training:
    - 120 hours of clinical massage training, 2019
    - Prenatal massage certificate
  about: "I listen first; pressure is {MARKUP}."
currency: USD
services:
  - name: Therapeutic massage
    minutes: 60
    price: 90
    description: Full body, at the pressure you choose.
  - name: Medical massage
    minutes: 90
    price: 132.50
policies:
  cancellation: Please give 24 hours' notice to cancel or move a session.
  payment: Cash and cards are accepted.
  insurance: I do not bill insurance; ask for a receipt for your HSA or FSA.
first_visit:
  what_to_wear: Something comfortable; you undress only to your comfort level.
  draping: You are covered with a sheet; only the area worked on is uncovered.
  intake_form: You fill in a short health form before your first session.
  arriving: Please arrive 10 minutes early.
hours:
  - days: Monday to Friday
    opens: "09:00"
    closes: "18:00"
  - days: Saturday
    opens: "10:00"
    closes: "14:30"
hours_note: By appointment only.
"""


def write_practice(folder, text=FILLED_PRACTICE):
    """Write a practice.yaml in ``folder``; return its path."""
    path = folder / "practice.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def filled_practice_app(folder, **config):
    """The app with every practice block filled in, on its own database."""
    folder.mkdir(parents=True, exist_ok=True)
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "DATABASE": str(create_migrated_database(folder / "practice.db")),
            "PRACTICE_FILE": str(write_practice(folder)),
            **config,
        }
    )
