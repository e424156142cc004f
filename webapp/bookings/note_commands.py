"""(being written)"""


def init_app(app):
    """Register this module's commands."""
