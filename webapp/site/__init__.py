"""What readers see: the article, its widgets, and the booking redirect.

content.py finds and checks the content files; article.py and
widget_content.py are their models; chooser.py is the chooser's rule;
widget_state.py is what one request shows; placements.py names the booking
buttons; practice.py is the practice's own details (therapist, prices,
hours). views.py, widget_views.py and booking.py are the blueprints;
fast_path.py answers a reader's plain article and booking requests from
their kept answers, without Flask's dispatch.
"""

import functools

from flask import current_app

from ..core.check_result import Result, warn
from ..core.checks import register_check
from ..core.db import connect, register_after_migrate
from . import (
    articles_commands,
    booking,
    commands,
    content_commands,
    fast_path,
    photos,
    revisions,
    views,
    widget_views,
)
from .content import ContentError, get_practice, start_error
from .loading import (
    CONTENT_FILES,
    content_file,
    content_folder,
    content_paths,
    load_saved_content,
)
from .old_settings import check_old_setting
from .placements import book_href, booking_platform
from .practice import PRACTICE_FILE
from .structured_data import page_structured_data

# The saved revisions the last load skipped: {file name: warning}; the files
# it read from a saved revision.
SKIPPED = "site.skipped_revisions"
SHOWN = "site.saved_files_shown"


def load_content(app):
    """Load and validate every content file once, at start-up.

    A mistake stops start-up, and any `flask` command, with one line
    (a ConfigError) that names the file, the place and the reason.
    """
    try:
        _load_content(app)
    except ContentError as error:
        raise start_error(error) from None


def check_content(config):
    """``flask check``'s line: the folder the content files are read from."""
    folder = content_folder(config)
    elsewhere = [
        f"{shipped.name} from {config[setting]}"
        for setting, shipped in CONTENT_FILES
        if config.get(setting)
    ]
    detail = f"read from {folder}"
    if elsewhere:
        detail += f" ({', '.join(elsewhere)})"
    return Result("content", detail)


def check_saved_words(config):
    """``flask check``'s line on the owner's saved words: a revision skipped warns."""
    skipped = current_app.extensions.get(SKIPPED, {})
    if skipped:
        return warn("saved words", " | ".join(skipped.values()))
    shown = current_app.extensions.get(SHOWN, ())
    if not shown:
        return Result("saved words", "none saved yet: the content folder's are shown")
    return Result("saved words", f"the newest saved {', '.join(shown)} shown")


def saved_words_warnings(app):
    """What ``migrate`` warns about once the schema is up to date: skipped revisions.

    First the home article's versions saved as ``article.md`` become its own
    (revisions.adopt_legacy_home), once.
    """
    db = connect(app.config["DATABASE"])
    try:
        revisions.adopt_legacy_home(app, db)
    finally:
        db.conn.close()
    _load_content(app)
    return list(app.extensions[SKIPPED].values())


def _load_content(app):
    """Read every content file into ``app.extensions["content"]``.

    Each file's newest saved revision where there is one that fits, else the
    content folder's file (site/loading.py).
    """
    config = app.config
    version, saved = revisions.saved_words(config)
    content, skipped = load_saved_content(app, saved)
    practice = content["practice"]
    first_load = "content" not in app.extensions
    app.extensions["content"] = content
    app.extensions[SKIPPED] = skipped
    # A deleted article's empty revision, or an article.md the folder no
    # longer reads, shows nothing.
    names = content_paths(config, saved)
    app.extensions[SHOWN] = [
        name
        for name, (_id, text) in saved.items()
        if name not in skipped and name in names and text
    ]
    app.extensions["content_version"] = version
    practice_file = content_file(config, "PRACTICE_FILE", PRACTICE_FILE)
    for setting in practice.old_settings if first_load else ():
        # Bound now: the value as given, before the line below replaces it.
        given = str(config.get(setting))
        register_check(
            app,
            functools.partial(
                check_old_setting, setting, given, practice, practice_file
            ),
        )
    # Not a setting: practice.yaml's currency, copied once for the bookings
    # importer, which reads a plain mapping of options (tests give it one
    # without an app). Everything else reads get_practice().currency.
    config["CURRENCY"] = practice.currency


def init_app(app):
    """Register the reader's pages, the booking redirect, the content commands.

    Each worker shows the owner's newest saved words without a restart: the
    content is loaded again when a revision was saved since (``ContentWatch``),
    and the fast path's kept answers are dropped.
    """
    register_check(app, check_content)
    app.add_template_global(book_href)
    app.add_template_global(booking_platform)
    app.add_template_global(page_structured_data)
    # Every page shows the practice's facts (its name in the title, at least).
    app.context_processor(lambda: {"practice": get_practice()})
    app.register_blueprint(views.bp)
    app.register_blueprint(booking.bp)
    app.register_blueprint(widget_views.bp)
    app.register_blueprint(photos.bp)  # the therapist's stored photo
    app.cli.add_command(commands.content_schema_command)
    app.cli.add_command(commands.chooser_table_command)
    app.cli.add_command(content_commands.content_group)
    app.cli.add_command(articles_commands.articles_group)
    register_check(app, check_saved_words)
    register_after_migrate(app, functools.partial(saved_words_warnings, app))
    reader_fast_path = fast_path.init_app(app)

    def reload():
        _load_content(app)
        reader_fast_path.forget()  # its kept answers show the words before

    watch = app.extensions["content_watch"] = revisions.ContentWatch(app, reload)
    app.before_request(watch)
    reader_fast_path.look_for_changes = watch
