"""Export-file writers for the demo generator, with counted defect injection.

Each `ExportFile` writes one landing file in its vendor's layout and injects dirty rows at known
rates, counting every one, so `demo_truth.json` can state exactly what a correct pipeline must
quarantine. `write()` returns whether the row will survive ingest (be loaded).
"""

from __future__ import annotations

import csv
import random
import shutil
from collections import Counter
from pathlib import Path

# Values that match none of the presets' date formats.
BAD_DATES = ["2025/13/45 10:00", "不明", "TBD", "2025-02-30 25:61", "昨日", "0000/00/00", "31/12/2025"]


def _flat(value: str) -> str:
    return value.replace(",", " ").replace('"', "").replace("\r", " ").replace("\n", " ")


class ExportFile:
    def __init__(self, landing: Path, part: int | None, name: str, header: list[str], rng: random.Random, *,
                 encoding: str = "utf-8", footer: list[str] | None = None,
                 rates: dict[str, float] | None = None, date_columns: list[str] = (),
                 required_columns: list[str] = ()):
        """`part`: write rows only (no header, byte order mark or footer) to `<name>.part<N>`, for
        `append_part` to add to the file."""
        self.name = name  # path under landing/
        self.path = landing / name
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if part is not None:
            encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self._fh = open(self._part(part) if part is not None else self.path, "w", encoding=encoding,
                        newline="")
        self._csv = csv.writer(self._fh, lineterminator="\r\n" if encoding == "cp932" else "\n")
        if part is None:
            self._csv.writerow(header)
        self.header = header
        self.width = len(header)
        self._footer = footer if footer and part is None else []
        self._rng = rng
        self.rates = rates or {}
        self._any_defect = sum(self.rates.values())  # a draw at or above it injects no defect
        self._date_idx = [header.index(c) for c in date_columns]
        self._required_idx = [header.index(c) for c in required_columns]
        self.defects: Counter[str] = Counter()
        self.rows_written = 0

    def index(self, column: str) -> int:
        return self.header.index(column)

    def write(self, row: list, corruptible: bool = True, visible: bool = True) -> bool:
        """Write one record; maybe inject a defect. True when the record will be loaded.

        A record not `visible` (it happens after the export day) is not written, and a record not
        `corruptible` is written as it is, but both take the same random draws as any other, so
        what a file holds on one export day does not change the draws of the records after it."""
        kind = None
        if self.rates:
            r = self._rng.random()
            if r < self._any_defect:
                acc = 0.0
                for k, rate in self.rates.items():
                    acc += rate
                    if r < acc:
                        kind = k
                        break
        if kind == "malformed_line":
            cut = self._rng.randint(1, max(1, self.width - 2))
        elif kind == "unparseable_date":
            column = self._rng.choice(self._date_idx) if self._date_idx else None
            bad = self._rng.choice(BAD_DATES)
        elif kind == "missing_required":
            column = self._rng.choice(self._required_idx) if self._required_idx else None
        if not visible:
            return False
        assert len(row) == self.width, (self.name, len(row), self.width)
        if not corruptible or kind is None:
            self._emit(row)  # the csv writer writes None as "" and other values as str() does
            return True
        row = ["" if v is None else str(v) for v in row]
        if kind == "malformed_line":
            # An extra, truncated copy of the record (as a broken export or a hand edit leaves it);
            # the record itself is written intact.
            self._emit(row)
            self._fh.write(",".join(_flat(v) for v in row[:cut])
                           + ("\r\n" if self._csv.dialect.lineterminator == "\r\n" else "\n"))
            self.rows_written += 1
            self.defects[kind] += 1
            return True
        if kind == "duplicate_id":
            self._emit(row)
            self._emit(row)
            self.defects[kind] += 1
            return True
        if column is None:  # no such column in this file: written as it is
            self._emit(row)
            return True
        row[column] = bad if kind == "unparseable_date" else ""
        self._emit(row)
        self.defects[kind] += 1
        return False

    def count_flagged(self) -> None:
        """The caller wrote a row with stage times out of order (loaded, flagged)."""
        self.defects["out_of_order"] += 1

    def _emit(self, row: list[str]) -> None:
        self._csv.writerow(row)
        self.rows_written += 1

    def _part(self, part: int) -> Path:
        return self.path.with_name(f"{self.path.name}.part{part}")

    def discard(self) -> None:
        """Close and delete a part file (rows written only to draw the same random numbers)."""
        self._fh.close()
        Path(self._fh.name).unlink()

    def append_part(self, part: int, rows_written: int, defects: Counter[str]) -> None:
        """Add the rows another process wrote to part file `part` (and its counts), then delete it."""
        self._fh.flush()
        path = self._part(part)
        with open(path, "rb") as src:
            shutil.copyfileobj(src, self._fh.buffer, 1 << 20)
        path.unlink()
        self.rows_written += rows_written
        self.defects.update(defects)

    def close(self) -> None:
        if self._footer:
            self._fh.write("\r\n")
            for line in self._footer:
                self._csv.writerow([line])
        self._fh.close()
