"""What the docs show about testing runs as written: the README's fixture, the idpool side of
docs/TESTING.md, and the example app's test suite."""

from __future__ import annotations

import shutil
import sys

import pytest

from .runs import ROOT, fenced, plugin_args

EXAMPLE_APP = ROOT / "examples" / "testing"


def test_the_readme_fixture_example_passes(pytester: pytest.Pytester) -> None:
    [block] = fenced(ROOT / "README.md", "py")
    assert block.startswith("def test_") and "(idpool):" in block.splitlines()[0]
    pytester.makepyfile(test_kit_readme=block)
    pytester.runpytest(*plugin_args()).assert_outcomes(passed=1)


def test_the_testing_guide_examples_pass(pytester: pytest.Pytester) -> None:
    """The ```python blocks are idpool's side (the ```py block is moto's, which is not installed)."""
    blocks = fenced(ROOT / "docs" / "TESTING.md", "python")
    assert len(blocks) == 3 and len(fenced(ROOT / "docs" / "TESTING.md", "py")) == 1
    shutil.copy(EXAMPLE_APP / "idpool.yaml", pytester.path / "idpool.yaml")  # the "outside pytest" block uses it
    pytester.makepyfile(**{f"test_kit_guide_{n}": block for n, block in enumerate(blocks)})
    pytester.runpytest(*plugin_args()).assert_outcomes(passed=2)


def test_the_example_app_suite_passes(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("app.py", "test_app.py", "idpool.yaml", "pytest.ini"):
        shutil.copy(EXAMPLE_APP / name, pytester.path / name)
    # pytester runs in this process: a module named "app" imported by another test (the
    # examples all call their module app.py) must not stand in for this example's.
    for module in ("app", "test_app"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    result = pytester.runpytest(*plugin_args())
    result.assert_outcomes(passed=5)
