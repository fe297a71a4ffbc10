"""GO SMART Evidence: shared core (paths, store, registry, command line)."""

import subprocess

from gosmart.paths import REPO_ROOT

__version__ = "0.1.0"


def code_version() -> str:
    """Package version plus the git commit when the code runs from a checkout.

    Stamped on snapshots and effect rows so a result names the code that made it.
    """
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return __version__
    return f"{__version__}+g{commit}{'.dirty' if dirty else ''}"
