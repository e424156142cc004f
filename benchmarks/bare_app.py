"""The yardstick: a bare Flask app that answers a constant string.

Served by benchmarks/booking.py under the same gunicorn settings as the site.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    """A constant answer: what Flask and gunicorn cost on their own."""
    return "ok"
