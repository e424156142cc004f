"""The editor's one blueprint: every page under ``/edit``, the owner's only."""

from flask import Blueprint

bp = Blueprint("editor", __name__, url_prefix="/edit")
