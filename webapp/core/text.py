"""Untrusted text made safe to store: no control characters, capped in length."""

import unicodedata

# Control (Cc), format (Cf: bidi overrides, zero-width), surrogate (Cs),
# private-use (Co) and unassigned (Cn) characters, plus line and paragraph
# separators: none belongs in a host name, a campaign name or a browser name.
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def clean_text(value, limit):
    """``value`` as one clean line of at most ``limit`` characters ('' if none)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    # Bound the work before looking at each character: a header can be 8 KB.
    value = value[: limit * 4]
    if value.isascii():
        kept = "".join(ch if ch.isprintable() else " " for ch in value)
    else:
        kept = "".join(
            " " if unicodedata.category(ch) in _DROP_CATEGORIES else ch for ch in value
        )
    return " ".join(kept.split())[:limit]
