"""Build each addon's README.rst from its manifest and readme/*.md fragments (OCA layout).

    python setup/gen_addon_readme.py            rewrite the README.rst files
    python setup/gen_addon_readme.py --check    exit 1 when one is out of date
"""

import ast
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Every addon of the repository: a directory customer_file* with a manifest.
ADDONS = tuple(sorted(path.parent.name for path in REPO.glob("customer_file*/__manifest__.py")))
SECTIONS = (("DESCRIPTION.md", None), ("CONFIGURE.md", "Configuration"), ("USAGE.md", "Usage"))


def markdown_to_rst(text):
    lines = []
    for line in text.strip().splitlines():
        heading = re.match(r"^(#+)\s+(.*)$", line)
        if heading:
            title = heading.group(2)
            lines += [title, ("~" if len(heading.group(1)) > 1 else "-") * len(title)]
            continue
        line = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", line)
        line = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`_", line)
        lines.append(line)
    return "\n".join(lines)


def render(addon):
    addon_dir = REPO / addon
    manifest = ast.literal_eval((addon_dir / "__manifest__.py").read_text())
    name = manifest["name"]
    parts = ["=" * len(name), name, "=" * len(name), "", manifest["summary"], ""]
    for fragment, title in SECTIONS:
        path = addon_dir / "readme" / fragment
        if not path.exists():
            continue
        if title:
            parts += [title, "=" * len(title), ""]
        parts += [markdown_to_rst(path.read_text()), ""]
    parts += [
        "Credits",
        "=======",
        "",
        f"Authors: {manifest['author']}. License: {manifest['license']}.",
        "",
    ]
    return "\n".join(parts)


def main(argv):
    check = "--check" in argv
    stale = []
    for addon in ADDONS:
        readme = REPO / addon / "README.rst"
        text = render(addon)
        if readme.exists() and readme.read_text() == text:
            continue
        if check:
            stale.append(str(readme.relative_to(REPO)))
        else:
            readme.write_text(text)
    if stale:
        print("out of date (run python setup/gen_addon_readme.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
