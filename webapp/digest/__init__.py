"""The owner's weekly letter: the article's week in plain words, by e-mail."""


def init_app(app):
    """Register the digest command and the letter's preview page."""
