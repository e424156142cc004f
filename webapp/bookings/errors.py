"""The two ways an export cannot be read: one cell, or the whole file."""


class FieldError(ValueError):
    """A cell that cannot be read; the message names what was expected.

    ``field`` is the kept field concerned when the parser knows it.
    """

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class BookingFileError(Exception):
    """A file that cannot be imported; ``str()`` is one line for the owner.

    ``field`` names the kept field the owner may choose another column for
    (the dashboard offers its select instead of the terminal's ``--map``),
    and ``row`` the row concerned, both None when the message has none.
    ``header`` is the file's header row (its cells) once it is known, for the
    dashboard's column selects; None before, or when no row is one.
    """

    def __init__(self, message, field=None, row=None, header=None):
        super().__init__(message)
        self.field = field
        self.row = row
        self.header = header


def reads_as(parse, *cell):
    """Whether ``parse(*cell)`` reads the cell (raises no FieldError)."""
    try:
        parse(*cell)
    except FieldError:
        return False
    return True
