"""Each addon builds a wheel (whool, as OCA does) that pip installs next to Odoo 19."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Every addon of the repository: a directory customer_file* with a manifest.
ADDONS = tuple(sorted(path.parent.name for path in REPO.glob("customer_file*/__manifest__.py")))


def pip(*args):
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheels")
    for addon in ADDONS:
        built = pip(
            "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(REPO / addon)
        )
        assert built.returncode == 0, built.stderr
    return out


@pytest.mark.parametrize("addon", ADDONS)
def test_wheel_carries_the_addon(wheels, addon):
    (wheel,) = wheels.glob(f"odoo_addon_{addon}-19.0.*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert f"odoo/addons/{addon}/__manifest__.py" in names
    assert f"odoo/addons/{addon}/i18n/zh_CN.po" in names
    assert f"odoo/addons/{addon}/static/description/icon.png" in names


def test_wheels_install_next_to_odoo(wheels, tmp_path):
    # The dependency chain (addon -> customer_file -> odoo 19) resolves in this environment.
    resolved = pip(
        "install", "--dry-run", "--no-index", "--find-links", str(wheels),
        *(f"odoo-addon-{addon}" for addon in ADDONS if addon != "customer_file"),
    )
    assert resolved.returncode == 0, resolved.stderr
    would_install = resolved.stdout.lower().replace("_", "-")
    for addon in ADDONS:
        assert f"odoo-addon-{addon.replace('_', '-')}-19.0" in would_install
    target = tmp_path / "site"
    installed = pip(
        "install", "-q", "--no-index", "--no-deps", "--target", str(target),
        *map(str, wheels.glob("*.whl")),
    )
    assert installed.returncode == 0, installed.stderr
    for addon in ADDONS:
        assert (target / "odoo" / "addons" / addon / "__manifest__.py").is_file()
