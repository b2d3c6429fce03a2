"""pytest settings for the service_desk tests (run by `make test`).

A skipped test is a failed test here: a tour skipped because Chromium or
websocket-client is missing, an HttpCase skipped without --odoo-http, or any
skipTest() would otherwise let a broken feature pass unnoticed.
"""

import pytest


def _fail_skip(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, and a skipped test fails the service_desk suite: {reason}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    return _fail_skip((yield))


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    return _fail_skip((yield))
