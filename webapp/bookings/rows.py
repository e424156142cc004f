"""One export row made into the values a booking stores.

Each parser reads one kept cell; a cell that cannot be read raises
``BookingFileError`` naming the row and the column, never the cell.
"""

from ..core import calendar
from . import dates, fields, statuses
from .channels import OTHER, STAFF, WEBSITE, channel_of
from .errors import BookingFileError, FieldError
from .fields import FLAG_FIELDS, TIME_FIELD
from .statuses import DEFAULT_STATUS

# A yes/no column's own word is a yes too ("Canceled" in a "Canceled" column).
FLAG_WORDS = {
    "cancelled": ("cancelled", "canceled"),
    "no_show": ("no show", "noshow"),
    "booked_online": ("online", "booked online"),
}


class Options:
    """What the owner chose for one reading, and the settings it reads."""

    def __init__(self, config, overrides, date_format, chosen, skip_bad_rows):
        self.config = config
        self.overrides = overrides
        self.date_format = date_format
        try:
            self.statuses = statuses.owner_statuses(chosen)
        except FieldError as problem:
            raise BookingFileError(str(problem), problem.field) from None
        self.skip_bad_rows = skip_bad_rows
        self.currency = str(config.get("CURRENCY", ""))
        self.zone = calendar.zone_of(config)
        self.blank_status = None  # a blank status's meaning, once the file is read
        self.new_from_service = False


def decide_blanks(raw, columns, notes, options):
    """What a blank status means, and whether services tell new clients."""
    if "status" in columns:
        if statuses.blanks_are_kept([cells["status"] for _n, cells in raw]):
            options.blank_status = DEFAULT_STATUS
            notes.append(
                "Blank statuses are taken as kept: this file's status column "
                "only names exceptions."
            )
    elif "cancelled" in columns or "no_show" in columns:
        notes.append(
            f"No status column: every booking not marked cancelled or no-show "
            f"is taken as {DEFAULT_STATUS}."
        )
    else:
        notes.append(f"No status column: every booking is taken as {DEFAULT_STATUS}.")
    if "new_client" not in columns and "service" in columns:
        options.new_from_service = any(
            fields.service_names_new_client(cells["service"]) for _n, cells in raw
        )
        if options.new_from_service:
            notes.append(
                "New clients are read from the appointment type (such as "
                "“New Customer”): the file has no new-client column."
            )


def booking(row_number, cells, date_orders, labels, options):
    """The stored values of one row; BookingFileError names row and column."""
    current = "appointment"
    try:
        text = cells["appointment"]
        if not text.strip():
            raise FieldError("no appointment date")
        day, time = _date(text, "appointment", date_orders, options)
        current = TIME_FIELD
        if cells.get(TIME_FIELD, "").strip():
            time = _time_cell(cells[TIME_FIELD], day, date_orders, options)
        appointment = day.isoformat() + (f"T{time}" if time else "")
        booked_on, counted_day = "", day.isoformat()
        current = "booked_on"
        if cells.get("booked_on", "").strip():
            made, _ = _date(cells["booked_on"], "booked_on", date_orders, options)
            booked_on = counted_day = made.isoformat()
        current = "price"
        price = fields.parse_price(cells.get("price", ""), options.currency)
        current = "status"
        status = _status(cells.get("status"), options)
        flags = dict.fromkeys(FLAG_FIELDS, False)
        for current in FLAG_FIELDS:
            if current in cells:
                flags[current] = statuses.parse_flag(
                    cells[current], FLAG_WORDS[current]
                )
        status = statuses.status_with_flags(
            status, flags["cancelled"], flags["no_show"]
        )
        current = "new_client"
        new_client = _new_client(cells, options)
        current = "booking_id"
        platform_id = fields.parse_booking_id(cells.get("booking_id", ""))
    except FieldError as problem:
        raise BookingFileError(
            f"row {row_number}, column “{labels[current]}”: {problem}",
            current,
            row_number,
        ) from None
    return {
        "day": counted_day,
        "booked_on": booked_on,
        "appointment": appointment,
        "service": fields.clean_service(cells.get("service", "")),
        "price_cents": price,
        "status": status,
        "channel": _channel(cells, flags["booked_online"], options),
        "new_client": new_client,
        "platform_id": platform_id,
    }


def _date(text, name, date_orders, options):
    """``(date, time)`` of a date cell, in its column's order and the owner's zone."""
    return dates.parse_date(
        text, date_orders.get(name), options.date_format, options.zone
    )


def _status(text, options):
    """The stored status of a status cell (None: the file has no status column)."""
    if text is None:
        return DEFAULT_STATUS
    if not text.strip() and options.blank_status:
        return options.blank_status
    return statuses.parse_status(text, options.statuses)


def _new_client(cells, options):
    """1, 0 or None: from the new-client column, or the appointment type."""
    if "new_client" in cells:
        return fields.parse_new_client(cells["new_client"])
    if options.new_from_service:
        return int(fields.service_names_new_client(cells.get("service", "")))
    return None


def _channel(cells, booked_online, options):
    """The booking's channel: its source's words, else its "Booked Online" cell."""
    channel = channel_of(cells.get("source", ""), options.config)
    if channel == OTHER and "booked_online" in cells:
        # Where online booking is the practice's own page (Square, Jane), a
        # booking made online came through the website, any other by staff.
        return WEBSITE if booked_online else STAFF
    return channel


def _time_cell(text, day, date_orders, options):
    """``"HH:MM"`` from a time column's cell (a time, or the same day with one)."""
    try:
        return dates.parse_time(text)
    except FieldError as problem:
        # Some exports repeat the date in their "Start Time": take its time.
        try:
            same_day, time = _date(text, "appointment", date_orders, options)
        except FieldError:
            raise problem from None
        if same_day != day or time is None:
            raise problem from None
        return time
