# Config and sample-sheet loading, validation and input functions.
# Every check runs here, when the workflow is parsed, so a mistake stops the run before any
# job starts, with one message and no traceback.
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))

from degsea.configuration import load_schema, validate_config  # noqa: E402
from degsea.errors import InputError  # noqa: E402
from degsea.study import check_study  # noqa: E402

DEMO_COUNTS = "resources/demo/counts.tsv.gz"


def stop(message):
    """Print a user error without a traceback and end the run."""
    print(f"degsea cannot start: {message}", file=sys.stderr)
    sys.exit(1)


try:
    schema = load_schema(workflow.source_path("../schemas/config.schema.yaml"))
    config.update(validate_config(config, schema, source=", ".join(map(str, workflow.configfiles))))
    STUDY = check_study(config, demo_counts=DEMO_COUNTS)
except InputError as err:
    stop(str(err))

CONTRASTS = [c.name for c in STUDY.contrasts]


wildcard_constraints:
    contrast="|".join(re.escape(name) for name in CONTRASTS),
