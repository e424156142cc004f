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

from ..core.check_result import Result
from ..core.checks import register_check
from . import booking, commands, fast_path, views, widget_views
from .article import ARTICLE_FILE, load_article
from .content import CONTENT_DIR, ContentError, get_practice, start_error
from .old_settings import check_old_setting
from .placements import book_href, booking_platform
from .practice import PRACTICE_FILE, load_practice
from .privacy import PRIVACY_FILE, load_privacy
from .structured_data import page_structured_data
from .widget_content import WIDGETS_FILE, load_widgets


def load_content(app):
    """Load and validate every content file once, at start-up.

    A mistake stops start-up, and any `flask` command, with one line
    (a ConfigError) that names the file, the place and the reason.
    """
    try:
        _load_content(app)
    except ContentError as error:
        raise start_error(error) from None


# Each content file's own setting and its shipped path (whose name it has in
# the content folder).
CONTENT_FILES = (
    ("ARTICLE_FILE", ARTICLE_FILE),
    ("WIDGETS_FILE", WIDGETS_FILE),
    ("PRIVACY_FILE", PRIVACY_FILE),
    ("PRACTICE_FILE", PRACTICE_FILE),
)


def content_folder(config):
    """The folder the owner's content files are read from (CONTENT_DIR).

    ``content/`` in a clone; on a server the folder deploy/webapp seeds
    (/var/lib/webapp/content), which upgrades never touch. A relative path
    is taken from the project folder, like DATABASE.
    """
    return CONTENT_DIR.parent / config.get("CONTENT_DIR", "content")


def content_file(config, setting, shipped):
    """One content file: its own setting (``PRACTICE_FILE``...), else the folder's."""
    return config.get(setting) or content_folder(config) / shipped.name


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


def _load_content(app):
    """Read every content file into ``app.extensions["content"]``."""
    config = app.config
    article = load_article(content_file(config, "ARTICLE_FILE", ARTICLE_FILE))
    widgets = load_widgets(
        content_file(config, "WIDGETS_FILE", WIDGETS_FILE),
        section_ids=[section.id for section in article.sections],
    )
    practice_file = content_file(config, "PRACTICE_FILE", PRACTICE_FILE)
    practice = load_practice(
        practice_file,
        static_folder=app.static_folder,
        technique_ids=[technique.id for technique in widgets.techniques.items],
        settings=config,
    )
    privacy = load_privacy(
        config, content_file(config, "PRIVACY_FILE", PRIVACY_FILE), practice.name
    )
    app.extensions["content"] = {
        "article": article,
        "widgets": widgets,
        "privacy": privacy,
        "practice": practice,
    }
    for setting in practice.old_settings:
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
    """Register the reader's pages, the booking redirect and the content command."""
    register_check(app, check_content)
    app.add_template_global(book_href)
    app.add_template_global(booking_platform)
    app.add_template_global(page_structured_data)
    # Every page shows the practice's facts (its name in the title, at least).
    app.context_processor(lambda: {"practice": get_practice()})
    app.register_blueprint(views.bp)
    app.register_blueprint(booking.bp)
    app.register_blueprint(widget_views.bp)
    app.cli.add_command(commands.content_schema_command)
    app.cli.add_command(commands.chooser_table_command)
    fast_path.init_app(app)
