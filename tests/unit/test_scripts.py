"""scripts/serve and scripts/test install only when what they install from has changed
(scripts/_venv.sh), and always on a fresh clone. pip and npm are stand-ins that record
their calls: the rule is tested, not the package managers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A clone with the scripts, a pyproject.toml, a lock file and a venv whose pip records calls."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "_venv.sh", tmp_path / "scripts" / "_venv.sh")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    js = tmp_path / "tests" / "js"
    js.mkdir(parents=True)
    (js / "package.json").write_text('{"name": "x"}')
    (js / "package-lock.json").write_text('{"lockfileVersion": 3}')
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    recorder = '#!/usr/bin/env bash\necho "$(basename "$0") $*" >> "{log}"\n{extra}'
    log = tmp_path / "calls.log"
    (bin_dir / "pip").write_text(recorder.format(log=log, extra=""))
    (bin_dir / "idpool").write_text("#!/usr/bin/env bash\n")
    fake_npm = tmp_path / "fake-bin"
    fake_npm.mkdir()
    (fake_npm / "npm").write_text(recorder.format(log=log, extra="rm -rf node_modules; mkdir node_modules\n"))
    for script in (bin_dir / "pip", bin_dir / "idpool", fake_npm / "npm"):
        script.chmod(0o755)
    return tmp_path


def install(checkout: Path, *steps: str) -> list[str]:
    """Run the steps (``install_python test``, ...) in the checkout; the calls they made."""
    log = checkout / "calls.log"
    log.unlink(missing_ok=True)
    env = {**os.environ, "PATH": f"{checkout / 'fake-bin'}{os.pathsep}{os.environ['PATH']}"}
    script = "set -euo pipefail; source scripts/_venv.sh; " + "; ".join(steps)
    subprocess.run(["bash", "-c", script], cwd=checkout, env=env, check=True, timeout=60)
    return log.read_text().splitlines() if log.exists() else []


def test_python_install_runs_once_then_again_only_when_pyproject_changes(checkout: Path) -> None:
    assert install(checkout, "install_python test") == ["pip install --quiet --disable-pip-version-check -e .[test]"]
    assert install(checkout, "install_python test") == []  # unchanged: no 15 s reinstall
    assert install(checkout, 'install_python ""') == []  # the test extra covers scripts/serve
    (checkout / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["click"]\n')
    assert install(checkout, "install_python test") == ["pip install --quiet --disable-pip-version-check -e .[test]"]


def test_serve_install_alone_does_not_stand_for_the_test_extra(checkout: Path) -> None:
    assert install(checkout, 'install_python ""') == ["pip install --quiet --disable-pip-version-check -e ."]
    assert install(checkout, 'install_python ""') == []
    assert len(install(checkout, "install_python test")) == 1


def test_npm_ci_runs_once_then_again_only_when_the_lock_file_changes(checkout: Path) -> None:
    npm_ci = "npm ci --no-audit --no-fund --loglevel=error"
    assert install(checkout, "install_node tests/js") == [npm_ci]
    assert install(checkout, "install_node tests/js") == []  # node_modules kept, not wiped
    (checkout / "tests" / "js" / "package-lock.json").write_text('{"lockfileVersion": 3, "x": 1}')
    assert install(checkout, "install_node tests/js") == [npm_ci]


def test_a_venv_that_lost_idpool_is_reinstalled(checkout: Path) -> None:
    install(checkout, "install_python test")
    (checkout / ".venv" / "bin" / "idpool").unlink()
    assert len(install(checkout, "install_python test")) == 1
