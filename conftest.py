"""Test-run rules of the repository (pytest loads this file for every test under it)."""


def pytest_sessionstart(session):
    # Odoo gives Chrome 10 s to open its DevTools port and otherwise *skips* the browser
    # tour; the first start on a loaded CI machine can take longer.
    # Imported here: pytest-odoo configures Odoo before the session starts.
    from odoo.tests import common

    common.CHECK_BROWSER_ITERATIONS = 600


def pytest_sessionfinish(session, exitstatus):
    # A skipped test is not a passed one: the run fails, and -rs (pytest.ini) says why.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if exitstatus == 0 and reporter is not None and reporter.stats.get("skipped"):
        session.exitstatus = 1
