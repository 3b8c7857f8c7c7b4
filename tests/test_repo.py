"""The project as a newcomer meets it: README commands exist, the code is lint-clean."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import ROOT

from askdocs.cli import parser


def test_readme_quick_start_is_the_two_make_targets():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```")[1]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: install$", makefile, re.M)
    assert re.search(r"^test: install browser$", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_cli_command_and_option_is_documented():
    readme = (ROOT / "README.md").read_text()
    commands = parser()._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        assert f"askdocs {name}" in readme
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert option in readme, f"{name} {option} is not in the README"


@pytest.mark.skipif(shutil.which("ruff") is None and not (ROOT / ".venv/bin/ruff").exists(),
                    reason="ruff is not installed")
def test_ruff_is_clean():
    ruff = str(ROOT / ".venv/bin/ruff") if (ROOT / ".venv/bin/ruff").exists() else "ruff"
    result = subprocess.run([ruff, "check", "src", "tests", "bench", "app.py"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_nothing_loaded_from_disk_can_unpickle():
    sources = "".join(p.read_text() for p in (ROOT / "src" / "askdocs").glob("*.py"))
    assert "import pickle" not in sources and "allow_pickle=True" not in sources
