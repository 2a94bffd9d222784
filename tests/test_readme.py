"""Each addon's README.rst is generated from its readme/ fragments and kept in step."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_addon_readmes_match_their_fragments():
    check = subprocess.run(
        [sys.executable, str(REPO / "setup" / "gen_addon_readme.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout
