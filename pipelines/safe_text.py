"""Text that leaves the warehouse for a spreadsheet, made safe to open (CSV injection).

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return can be run as a
formula by Excel and other spreadsheets (`=HYPERLINK(...)`, `@SUM(...)`). Following OWASP's
CSV-injection guidance, such a cell is prefixed with a single quote, so it is shown as the text it
is; a plain number (`-5`, `+1.5`, `-12.5%`) stays a number. Leading spaces do not hide a formula
character, and full-width forms (`＝`, `＋`, `－`, `＠`) count as well.
"""

from __future__ import annotations

import re

_FORMULA_START = re.compile(r"^[\s]*[=+\-@＝＋－＠]|^[\t\r]")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d[\d,]*(\.\d+)?|\.\d+)([eE][+-]?\d+)?%?$")


def spreadsheet_safe(value):
    """The cell value as a spreadsheet shows it without running it; non-text values unchanged."""
    if not isinstance(value, str) or not value or not _FORMULA_START.match(value):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value
