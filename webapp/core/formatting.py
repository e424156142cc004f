"""How numbers read, on the dashboard and in the terminal: one rule each."""


def number(value):
    """A count with thousands separators: ``12,345``."""
    return f"{value:,}"


def percent(value):
    """A rate (0..1) as a percentage with one decimal, or "n/a"."""
    return "n/a" if value is None else f"{value:.1%}"


def rate(part, whole):
    """``part / whole`` rounded to four places, or None when ``whole`` is 0."""
    return round(part / whole, 4) if whole else None


def init_app(app):
    """Offer the formats to templates as filters: ``{{ n|number }}``."""
    app.add_template_filter(number)
    app.add_template_filter(percent)
