"""Text that leaves the warehouse, made safe: personal data masked, and no cell a spreadsheet
would run as a formula.

Masking (names, e-mail addresses, phone numbers, addresses inside free text) applies wherever
personal data leaves the warehouse unless the user turns it off (locale.mask_personal_data, or
`--unmasked` for the SFA->MA feedback import).

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return can be run as a
formula by Excel and other spreadsheets (`=HYPERLINK(...)`, `@SUM(...)`). Following OWASP's
CSV-injection guidance, such a cell is prefixed with a single quote, so it is shown as the text it
is; a plain number (`-5`, `+1.5`, `-12.5%`, `-50.0 pt`) stays a number. Leading spaces do not hide a formula
character, and full-width forms (`＝`, `＋`, `－`, `＠`) count as well.
"""

from __future__ import annotations

import csv
import re


def mask_name(value) -> str:
    if not isinstance(value, str) or not value:
        return value
    return value[0] + "＊" * 2


def mask_email(value) -> str:
    if not isinstance(value, str) or "@" not in value:
        return value
    local, domain = value.split("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_phone(value) -> str:
    if not isinstance(value, str):
        return value
    digits = [c for c in value if c.isdigit()]
    return "***-****-" + "".join(digits[-4:]) if digits else value


# The characters of an address's local part, half- and full-width (ｏｎｏ．ｍａｉ＠… is an address too).
_LOCAL_PART = r"A-Za-z0-9._%+\-\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A\uFF0E\uFF3F\uFF0D\uFF0B"
# A match starts only where a run of such characters starts (the look-behind), so every run is
# scanned once: linear in the text's length, however long a line without "@" is.
_EMAIL = re.compile(rf"(?<![{_LOCAL_PART}])([{_LOCAL_PART}])[{_LOCAL_PART}]*+[@＠]")


def mask_emails_in_text(value):
    """Mask every e-mail address inside a free text (e.g. a quarantined raw line)."""
    return _EMAIL.sub(r"\1***@", value) if isinstance(value, str) else value


# A phone number inside a text: a leading 0 or +country code, groups of digits, 10 to 13 digits.
_PHONE = re.compile(r"(?<![\w+.])(?:\+\d{1,3}[-\s]?|0)\d{1,4}[-\s(]?\d{1,4}[-\s)]?\d{3,4}(?!\w)")


def _phone_in_text(match: re.Match) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    return mask_phone(match.group(0)) if 10 <= digits <= 13 else match.group(0)


def mask_raw_line(value, delimiter: str = ",", personal_columns: list[int] | tuple[int, ...] = ()):
    """A quarantined source line with its personal data masked where it stands (the line keeps its
    quotes, broken ones included): the values of the file's personal columns (by position; a line
    with a field too many or too few may shift them), and every e-mail address and phone number
    anywhere in it."""
    if not isinstance(value, str):
        return value
    text = value
    if personal_columns and delimiter:
        # the cells as CSV reads them, and (a broken quote) as the delimiters split the line
        try:
            parsed = next(csv.reader([value], delimiter=delimiter, strict=True), [])
        except csv.Error:
            parsed = []
        for cells in (parsed, value.split(delimiter)):
            for i in personal_columns:
                cell = cells[i].strip('" ') if i < len(cells) else ""
                if len(cell) > 1 and "＊＊" not in cell:
                    text = text.replace(cell, cell[:1] + "＊＊")
    return _PHONE.sub(_phone_in_text, mask_emails_in_text(text))


# The personal-data columns of the marts and how each is masked.
PERSONAL_MASKS = {"person_name": mask_name, "email": mask_email, "phone": mask_phone}


_FORMULA_START = re.compile(r"^[\s]*[=+\-@＝＋－＠]|^[\t\r]")
# A number, optionally with a unit the product writes (a delta in points, a count, a duration):
# digits cannot carry a formula, so "-5", "+1.5%" and "-50.0 pt" stay as they are.
# (a signed amount of money is a number too: -¥1,130,400, +¥2.2億, -$1.25M)
_PLAIN_NUMBER = re.compile(r"^[+-]?[¥$€£]?(\d[\d,]*(\.\d+)?|\.\d+)([eE][+-]?\d+)?"
                           r"(%|\s?(pt|pp|h|days?|件|円|万円|億円|万|億|兆|日|時間|倍|[KMBT]))?$")


def spreadsheet_safe(value):
    """The cell value as a spreadsheet shows it without running it; non-text values unchanged."""
    if not isinstance(value, str) or not value or not _FORMULA_START.match(value):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value
