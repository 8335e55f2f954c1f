"""Support for the rule scripts: logging to the rule's log and clean exits on user errors."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

from degsea.errors import InputError

log = logging.getLogger("degsea")


def versions() -> str:
    """The versions of degsea and the packages that shape its results, as one line."""
    from importlib.metadata import PackageNotFoundError, version

    import degsea

    parts = [f"degsea {degsea.__version__}", f"python {sys.version.split()[0]}"]
    for package in ("pydeseq2", "gseapy", "numpy", "scipy", "pandas", "anndata"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package} absent")
    return ", ".join(parts)


class _JobName(logging.Filter):
    """Give every record the job's name (attribute ``job``) for the formatter."""

    def __init__(self, job: str) -> None:
        super().__init__()
        self.job = job

    def filter(self, record: logging.LogRecord) -> bool:
        record.job = self.job
        return True


@contextlib.contextmanager
def rule_logging(log_path: str, *, rule: str) -> Iterator[None]:
    """Send log records and warnings to the rule's log file (and stderr); exit cleanly on input errors.

    Every line names the job: ``rule`` (e.g. ``gsea responsive_vs_untreated``) stands in
    brackets after the logger's name, so that the console lines of jobs running side by
    side (one per contrast) can be told apart.

    An :class:`InputError` is written to the log and stderr without a traceback and ends the
    process with status 1, so that Snakemake marks the job failed and removes its outputs.
    Any other exception is a bug and keeps its traceback.
    """
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(job)s]: %(message)s", "%Y-%m-%d %H:%M:%S")
    handlers: list[logging.Handler] = [logging.FileHandler(log_path, mode="w"), logging.StreamHandler(sys.stderr)]
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(_JobName(rule))
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    log.info("rule %s started; %s", rule, versions())
    try:
        yield
    except InputError as err:
        log.error("rule %s stopped on bad input:\n%s", rule, err)
        sys.exit(1)
    except Exception:
        log.exception("rule %s failed", rule)
        raise
    log.info("rule %s finished", rule)
