"""scripts/test under CI=true: a skipped test fails the run (tests/ci.py); outside CI it is a skip."""

import pytest

from tests.conftest import ROOT

pytest_plugins = ["pytester"]

MISSING_PART = """
import pytest

@pytest.fixture
def chromium():
    pytest.skip("Debian's chromium is not installed")

def test_a_page(chromium):
    pass

@pytest.mark.skipif(True, reason="espeak-ng is not installed")
def test_speech():
    pass

def test_deployment():
    pytest.skip("nginx is not installed")

def test_present():
    pass
"""


@pytest.mark.parametrize("ci, outcomes", [("true", dict(passed=1, failed=1, errors=2)),
                                          ("", dict(passed=1, skipped=3))])
def test_under_ci_a_skip_for_a_missing_part_fails(pytester, monkeypatch, ci, outcomes):
    pytester.makepyfile(MISSING_PART)
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    result = pytester.runpytest_subprocess("-p", "tests.ci", "-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(**outcomes)
    if ci:
        result.stdout.fnmatch_lines(["*skipped under CI=true*chromium is not installed*"])
