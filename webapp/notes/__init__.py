"""The owner's notes on the timeline: a day and one line of plain text.

``store`` keeps them (the day read by ``core.calendar.parse_day``); ``views``
are the dashboard's add and delete forms, with htmx or without (templates in
``templates/notes/``); ``commands`` are ``note add|list|delete``. The
dashboard, its exports and the weekly letter read them with
``store.notes_between``.
"""

from . import commands, views


def init_app(app):
    """Register the notes forms and the ``note`` commands."""
    app.register_blueprint(views.bp)
    app.cli.add_command(commands.note_group)
