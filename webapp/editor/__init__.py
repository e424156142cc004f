"""The owner edits the site's words in the browser (issue 31), behind the login.

One blueprint, ``editor`` under ``/edit`` (``blueprint.py``); its pages are in
``hub.py`` (the hub), ``pages.py`` (each file's history, diff and restore),
``practice_form.py`` (the practice's details as a form, and the photo),
``text_views.py`` (the privacy page and the widget words as text, the
articles' text with a preview), ``article_views.py`` (each article's page,
publishing, deleting) and ``new_article.py`` (a new article). Every save goes
through ``site.revisions.save``, the one check of a content file; templates
are in ``templates/editor/``.
"""

from . import (  # noqa: F401 (their routes)
    article_views,
    hub,
    new_article,
    pages,
    practice_form,
    text_views,
)
from .blueprint import bp
from .form_fields import is_clock_time


def init_app(app):
    """Register the editor's pages."""
    app.register_blueprint(bp)
    app.add_template_test(is_clock_time, "clock_time")
