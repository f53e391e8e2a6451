"""CSV files that open safely in a spreadsheet: the one place the rule is written.

A spreadsheet reads a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula (CSV injection), so such a cell gets a leading `'`. Files are UTF-8 with a byte order mark,
so that Excel reads them as UTF-8. The audit trail's export and the reports' exports both write
through here.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = codecs.BOM_UTF8


def escape_cell(value) -> str:
    """A cell as text, with a leading ' when a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file-like object for csv.writer that hands back what was written."""

    def write(self, value: str) -> str:
        return value


def row(cells: Iterable) -> str:
    """One CSV line (with its line ending), every cell escaped."""
    return csv.writer(_Line()).writerow([escape_cell(c) for c in cells])


def header(cells: Iterable) -> bytes:
    """The file's first bytes: the byte order mark and the header line."""
    return BOM + row(cells).encode()


def rows(lines: Iterable[Iterable]) -> bytes:
    """Several lines, encoded."""
    return "".join(row(cells) for cells in lines).encode()


def whole(head: Iterable, lines: Iterable[Iterable]) -> Iterator[bytes]:
    """A small file in one go: header, then the lines."""
    yield header(head)
    yield rows(lines)
