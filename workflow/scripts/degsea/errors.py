"""The project's exception for bad user input."""

from __future__ import annotations


class InputError(Exception):
    """A problem with the user's input: config, sample sheet, count matrix or gene sets.

    The message says which file, where in it, what was found, what is allowed and how to
    fix it. Scripts print it without a traceback.

    Parameters
    ----------
    what
        One sentence: what is wrong.
    file
        The file the problem is in, if any.
    where
        Row, column, key or entry inside the file.
    found
        What was found there.
    allowed
        What is allowed instead.
    hint
        How to fix it.
    """

    def __init__(
        self,
        what: str,
        *,
        file: str | None = None,
        where: str | None = None,
        found: str | None = None,
        allowed: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.what = what
        self.file = None if file is None else str(file)
        self.where = where
        self.found = found
        self.allowed = allowed
        self.hint = hint
        super().__init__(self._format())

    def _format(self) -> str:
        lines = [self.what]
        for label, value in (
            ("file", self.file),
            ("where", self.where),
            ("found", self.found),
            ("allowed", self.allowed),
            ("hint", self.hint),
        ):
            if value:
                lines.append(f"  {label}: {value}")
        return "\n".join(lines)


class OutputError(InputError):
    """A result that cannot be written: a full disk, a read-only folder, no permission.

    A problem of the user's machine, not of degsea, reported like an :class:`InputError`
    (and caught with it): the file, the operating system's error, and how to fix it. The
    file is not left half-written; rerunning the same command after the fix completes the run.
    """
