"""Where in the building, compared: the one normal form of a fault's `location` text.

Two faults are "in the same place" when their locations have the same key. The key is the
text with

1. tabs, line breaks, vertical tabs and form feeds read as spaces;
2. runs of spaces collapsed to one;
3. trailing spaces and punctuation (``. , ; : ! ?``) removed, and leading spaces;
4. the letters A–Z lower-cased (ASCII only: "É" stays "É").

so "Kitchen ", "kitchen" and "KITCHEN." share a key, and "Room 4 radiator" and
"Room 7 radiator" do not.

The rule is written twice, side by side and step for step: `location_key` in Python (for
forms and tests) and `LocationKey` in SQL (for the first-time fix figure and its drill-down,
which compare keys in the database). Each step uses only operations SQLite and PostgreSQL
define identically — `replace`, `rtrim`/`ltrim` with a set of characters, and ASCII
lower-casing (`lower` on SQLite, which folds ASCII only; `translate` on PostgreSQL, whose
`lower` would fold other letters too) — so the three always agree
(`tests/reports/test_first_time_fix.py` checks them against each other). Step 2 uses the
three-replace trick: every space becomes space + a marker (U+0001), a marker followed by a
space is dropped, then any marker left; Python's `str.replace` and SQL's `replace` both
replace left to right without overlaps, so they agree on every string, even one containing
the marker.
"""

from __future__ import annotations

import string

from django.db.models import CharField, Func

#: Read as spaces (besides the space itself): tab, line feed, vertical tab, form feed, return.
OTHER_SPACES = "\t\n\x0b\x0c\r"
#: Dropped from the end of a location, with spaces.
TRAILING = " .,;:!?"
_MARKER = "\x01"
_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def location_key(text: str) -> str:
    """The normal form of a location, for comparing two faults' locations."""
    for space in OTHER_SPACES:
        text = text.replace(space, " ")
    text = text.replace(" ", " " + _MARKER).replace(_MARKER + " ", "").replace(_MARKER, "")
    text = text.rstrip(TRAILING).lstrip(" ")
    return text.translate(_FOLD)


def _sql(chr_: str, fold: str) -> str:
    """The same steps as `location_key`, as one SQL expression around `%(expressions)s`."""

    def literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    sql = "%(expressions)s"
    for space in OTHER_SPACES:
        sql = f"replace({sql}, {chr_}({ord(space)}), ' ')"
    marker = f"{chr_}({ord(_MARKER)})"
    sql = f"replace({sql}, ' ', ' ' || {marker})"
    sql = f"replace({sql}, {marker} || ' ', '')"
    sql = f"replace({sql}, {marker}, '')"
    sql = f"ltrim(rtrim({sql}, {literal(TRAILING)}), ' ')"
    return fold.format(sql)


class LocationKey(Func):
    """`location_key` of a text expression, in SQL (SQLite and PostgreSQL)."""

    output_field = CharField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template=_sql("char", "lower({})"), **extra)

    def as_postgresql(self, compiler, connection, **extra):
        fold = f"translate({{}}, '{string.ascii_uppercase}', '{string.ascii_lowercase}')"
        return self.as_sql(compiler, connection, template=_sql("chr", fold), **extra)
