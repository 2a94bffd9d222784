"""Simplified Chinese is first-class: every term of every addon is translated."""

from pathlib import Path

import polib
import pytest

REPO = Path(__file__).resolve().parent.parent
# Every addon of the repository: a directory customer_file* with a manifest.
ADDONS = tuple(sorted(path.parent.name for path in REPO.glob("customer_file*/__manifest__.py")))


@pytest.mark.parametrize("addon", ADDONS)
def test_zh_cn_translates_every_term_of_the_template(addon):
    template = polib.pofile(str(REPO / addon / "i18n" / f"{addon}.pot"))
    zh_cn = polib.pofile(str(REPO / addon / "i18n" / "zh_CN.po"))
    translated = {entry.msgid: entry.msgstr for entry in zh_cn if not entry.obsolete}
    assert len(template) > 0
    missing = [entry.msgid for entry in template if not translated.get(entry.msgid)]
    assert not missing, f"{addon}: untranslated in zh_CN.po: {missing}"
