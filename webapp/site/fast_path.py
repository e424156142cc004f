"""A reader's plain article page and ``GET /book``, answered without Flask's dispatch.

Nearly every request is one of two: a reader opening an article (``/`` or
``/articles/<slug>``), and a reader pressing a booking button. Their answers
change only when the owner saves new words (every kept answer is then
forgotten: ``forget``, called by site/revisions.py's ContentWatch, which
``__call__`` runs first), so the first one of each address goes through
Flask like any other request, and its finished answer (status, headers after
every hook, body) is kept: this is the one cache of the articles, per address
(at most ``ARTICLE_CACHE_SIZE`` answers; 0 keeps none), and only a published
article's page is kept (a draft is the owner's alone: a reader's plain
request for it gets a 404, never kept). The next ones get the kept answer and
are judged and recorded as Flask's views do (``tracking.capture.judge`` and
``record``), skipping routing, the session, CSRF and the header hooks: that
is most of what a request costs
(benchmarks/booking.py).

Only the simplest shape is taken: ``GET``, no body, no cookie (so never the
owner), no htmx header, and for an article no widget state in the query
(a full page's widget uses are Flask's to count). Anything else, and
anything that goes wrong here, is Flask's.
"""

import threading
from dataclasses import dataclass
from urllib.parse import parse_qs

from werkzeug.wsgi import ClosingIterator

from ..tracking.capture import click, judge, page_view, record
from .articles import article_at
from .booking import placement_page
from .placements import ARTICLE_PARAM, normalise_placement
from .widget_state import STATE_PARAMS

ARTICLE_PATH = "/"
ARTICLES_PREFIX = "/articles/"
BOOKING_PATH = "/book"
# The status a kept answer must have had: anything else is never kept.
KEPT_STATUS = {ARTICLE_PATH: "200", BOOKING_PATH: "302"}
# Headers that make a request anything but a reader's plain page load.
_NOT_PLAIN = (
    "HTTP_COOKIE",
    "HTTP_HX_REQUEST",
    "HTTP_HX_HISTORY_RESTORE_REQUEST",
    "HTTP_TRANSFER_ENCODING",
)


@dataclass(frozen=True)
class KeptAnswer:
    """A finished answer as Flask sent it."""

    status: str
    headers: tuple
    body: bytes


class ClosingBody(ClosingIterator):
    """A kept body that runs callbacks once sent (as ``Response.call_on_close``)."""

    def __init__(self, body):
        super().__init__([body])

    def call_on_close(self, callback):
        """Run ``callback`` when the server closes this body."""
        self._callbacks.append(callback)
        return callback


class ReaderFastPath:
    """WSGI middleware in front of Flask's ``wsgi_app`` for a reader's two requests."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.kept = {}
        # Bumped by ``forget``: an answer rendered before is never kept after.
        self.generation = 0
        # Called first on every request: reloads the content when the owner
        # saved words since (site/revisions.py's ContentWatch), then forgets.
        self.look_for_changes = _nothing
        self._lock = threading.Lock()

    def forget(self):
        """Drop every kept answer (the content they show changed)."""
        with self._lock:
            self.generation += 1
            self.kept = {}

    def __call__(self, environ, start_response):
        """Answer from a kept answer when the request is plain, else ask Flask."""
        self.look_for_changes()
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        kept = self.kept.get(key)
        if kept is None:
            return self._answer_and_keep(key, environ, start_response)
        return self._answer_kept(kept, key[0], environ, start_response)

    def _key(self, environ):
        """What a kept answer depends on, or None when Flask must answer."""
        path = environ.get("PATH_INFO")
        if _kind(path) is None or environ.get("REQUEST_METHOD") != "GET":
            return None
        if any(name in environ for name in _NOT_PLAIN):
            return None
        if environ.get("CONTENT_LENGTH") not in (None, "", "0"):
            return None
        query = ""
        if _kind(path) == ARTICLE_PATH:
            # The page follows its query (widgets' state, campaign).
            query = environ.get("QUERY_STRING", "")
            if query and not STATE_PARAMS.keys().isdisjoint(parse_qs(query)):
                return None
        # The page's links name its host and scheme (site_url, HSTS).
        return (
            path,
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_HOST", ""),
            environ.get("SCRIPT_NAME", ""),
            query,
        )

    def _answer_and_keep(self, key, environ, start_response):
        """Let Flask answer (and count) this request, and keep its answer if plain."""
        sent = []
        generation = self.generation

        def keep_start_response(status, headers, exc_info=None):
            sent.append((status, headers))
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, keep_start_response)
        try:
            body = b"".join(answer)
        except BaseException:
            if hasattr(answer, "close"):
                answer.close()
            raise
        # Closed by the server once sent, as Flask's own answer would be (what
        # runs on close, such as storing in tests, must not delay the reader).
        sent_body = ClosingIterator([body], getattr(answer, "close", None))
        status, headers = sent[-1]
        kind = _kind(key[0])
        plain = status.split(" ", 1)[0] == KEPT_STATUS[kind] and not any(
            name.lower() == "set-cookie" for name, _ in headers
        )
        size = self.app.config["ARTICLE_CACHE_SIZE"]
        if plain and size and self._published(kind, key[0]):
            with self._lock:
                if generation != self.generation:
                    return sent_body  # rendered from the content before a reload
                if len(self.kept) >= size:
                    self.kept.clear()  # bounded: odd addresses cannot fill memory
                self.kept[key] = KeptAnswer(status, tuple(headers), body)
        return sent_body

    def _published(self, kind, path):
        """Whether an answer at ``path`` may be kept: a published article's, or /book.

        A reader's plain request for a draft is a 404, never kept; this makes
        sure of it whatever answered.
        """
        if kind != ARTICLE_PATH:
            return True
        with self.app.app_context():
            return article_at(path) is not None

    def _answer_kept(self, kept, path, environ, start_response):
        """The kept answer, this request counted as Flask would have counted it."""
        body = ClosingBody(kept.body)
        with self.app.app_context():
            # record never raises: a failure to count is logged, never shown.
            if _kind(path) == ARTICLE_PATH:
                record(body, judge(environ, path), page_view())
            else:
                args = self.app.request_class(environ).args
                placement = normalise_placement(args.get("from"))
                page = placement_page(placement, args.get(ARTICLE_PARAM))
                record(body, judge(environ, page), click(placement))
        start_response(kept.status, list(kept.headers))
        return body


def _kind(path):
    """``ARTICLE_PATH`` for an article's address, ``BOOKING_PATH``, else None."""
    if path in KEPT_STATUS:
        return path
    slug = (path or "").removeprefix(ARTICLES_PREFIX)
    if slug != path and slug and "/" not in slug:
        return ARTICLE_PATH
    return None


def _nothing():
    """No look for changes (until the site gives one)."""


def init_app(app):
    """Put the fast path in front of Flask's dispatch (inside any proxy fix); it."""
    app.wsgi_app = ReaderFastPath(app, app.wsgi_app)
    return app.wsgi_app
