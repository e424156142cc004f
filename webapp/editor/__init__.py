"""The owner edits the site's words in the browser (issue 31), behind the login.

One blueprint, ``editor`` under ``/edit`` (``blueprint.py``); its pages are in
``pages.py`` (the hub and each file's history, diff and restore),
``practice_form.py`` (the practice's details as a form, and the photo) and
``text_views.py`` (the article, the privacy page and the widget words as
text with a preview). Every save goes through ``site.revisions.save``, the one
check of a content file; templates are in ``templates/editor/``.
"""

from . import pages, practice_form, text_views  # noqa: F401 (their routes)
from .blueprint import bp
from .form_fields import is_clock_time


def init_app(app):
    """Register the editor's pages."""
    app.register_blueprint(bp)
    app.add_template_test(is_clock_time, "clock_time")
