"""Progress lines for long steps: the CLI installs a printer; elsewhere reporting is a no-op."""

from __future__ import annotations

from collections.abc import Callable

_printer: Callable[[str], None] | None = None


def set_printer(printer: Callable[[str], None] | None) -> None:
    global _printer
    _printer = printer


def report(message: str) -> None:
    if _printer is not None:
        _printer(message)
