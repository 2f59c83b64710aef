"""The one spreadsheet formula guard (`facilities.spreadsheets`): normalised first (NFKC)."""

import pytest

from facilities.spreadsheets import looks_like_formula, safe_text

FORMULAS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "＝1+1",  # full-width equals sign
    "＋1+1",  # full-width plus
    "－1+1",  # full-width hyphen-minus
    "＠SUM(A1)",  # full-width commercial at
    "﹦1+1",  # small equals sign
    "⁼1+1",  # superscript equals sign
    "\u3000＝1+1",  # ideographic space, then full-width equals
    '＝HYPERLINK("http://evil.example")',
]
PLAIN = ["Boiler leaking", "1+1", "Room 2 = store", "", "£25 a point", "ＡＢＣ"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formulas_and_their_look_alikes_are_guarded(text):
    assert looks_like_formula(text)
    assert safe_text(text) == f"'{text}"


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_is_left_alone(text):
    assert not looks_like_formula(text)
    assert safe_text(text) == text


def test_only_text_is_guarded():
    assert safe_text(-5) == -5
    assert safe_text(None) is None
