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


def test_readmes_are_valid_restructuredtext():
    """Odoo renders an addon's README.rst as its description in the Apps screen: a markup
    error shows there as a docutils error."""
    import io

    import docutils.core

    for readme in sorted([REPO / "README.rst", *REPO.glob("*/README.rst")]):
        messages = io.StringIO()
        docutils.core.publish_doctree(
            readme.read_text(encoding="utf-8"),
            settings_overrides={"warning_stream": messages, "report_level": 2},
        )
        assert not messages.getvalue(), f"{readme.relative_to(REPO)}: {messages.getvalue()}"
