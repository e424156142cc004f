"""The calendar's fixed edges, shared by every package that reads a typed-in day."""

import datetime

# The oldest date anyone may ask for or write a note on: keeps ranges, charts
# and notes inside the years the site can have data for.
EARLIEST = datetime.date(2020, 1, 1)
# How far ahead a note may be dated (a planned offer, a holiday): a year.
# Later days would sit outside every period the dashboard can show.
NOTE_DAYS_AHEAD = 366
