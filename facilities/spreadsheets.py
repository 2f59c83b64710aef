"""The spreadsheet formula guard: text people typed must never run as a formula (CSV injection).

One rule for every file the service writes (the report's CSV and XLSX, the fault list's CSV):
a cell whose text, once normalised, starts like a formula is kept as text.

- Normalised first (Unicode NFKC), so look-alikes a spreadsheet may read as the real thing —
  the full-width `＝1+1` or `＋`, the small `﹦`, the superscript `⁼` — are caught like `=1+1`.
- A formula may start with `=`, `+`, `-` or `@` (OWASP), also after leading spaces, or hide
  behind a tab, carriage return or line feed.

In a CSV the guard puts a `'` before such text; in an XLSX the cell is written as text with
Excel's quote prefix (what typing `'` before it does). Pure: no Django, no database.
"""

from __future__ import annotations

import unicodedata

#: Characters a formula may start with, after normalising and dropping leading spaces.
FORMULA_STARTS = ("=", "+", "-", "@")
#: Control characters that can hide a formula after them (kept as they are: the cell is text).
HIDING_STARTS = ("\t", "\r", "\n")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula."""
    if not text:
        return False
    if text.startswith(HIDING_STARTS):
        return True
    normal = unicodedata.normalize("NFKC", text)
    return normal.startswith(HIDING_STARTS) or normal.lstrip().startswith(FORMULA_STARTS)


def safe_text(value: object) -> object:
    """For a CSV: text that might be a formula gets a leading `'`; anything else is unchanged."""
    if isinstance(value, str) and looks_like_formula(value):
        return f"'{value}"
    return value
