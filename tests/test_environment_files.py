"""Binder and conda files agree with pyproject.toml and constraints.txt; repo2docker accepts them.

repo2docker reads only binder/ when it exists, so binder/environment.yml is what Binder really
installs; the root environment.yml serves conda users. Both must carry exactly the runtime
dependencies of pyproject.toml, pinned as in constraints.txt (what `make lab` installs).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ENV_FILES = [ROOT / "environment.yml", ROOT / "binder" / "environment.yml"]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines) -> dict[str, str]:
    out = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            out[_norm(name)] = version.strip()
    return out


def _env_pip(path: Path) -> dict[str, str]:
    deps = yaml.safe_load(path.read_text())["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    return _pins(pip)


def _runtime_deps() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {_norm(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0]) for d in project["dependencies"]}


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_environment_file_lists_exactly_the_runtime_dependencies(path):
    assert set(_env_pip(path)) == _runtime_deps(), (
        f"{path.name} and pyproject.toml [project].dependencies disagree")


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_environment_pins_equal_constraints(path):
    constraints = _pins((ROOT / "constraints.txt").read_text().splitlines())
    for name, version in _env_pip(path).items():
        assert constraints.get(name) == version, (
            f"{path.name} pins {name}=={version}, constraints.txt has {constraints.get(name)}")


def test_root_and_binder_environments_agree():
    root, binder = (yaml.safe_load(p.read_text()) for p in ENV_FILES)
    assert root["dependencies"] == binder["dependencies"]
    assert root["channels"] == binder["channels"] == ["conda-forge"]


def test_postbuild_installs_seqlab_and_is_executable():
    post = ROOT / "binder" / "postBuild"
    assert os.access(post, os.X_OK) and post.read_text().startswith("#!/bin/bash")
    assert "set -e" in post.read_text() and "pip install --no-deps -e ." in post.read_text()


def test_repo2docker_generates_a_dockerfile(tmp_path):
    r2d = Path(sys.executable).parent / "jupyter-repo2docker"
    if not r2d.exists():
        r2d = shutil.which("jupyter-repo2docker")
    assert r2d, "jupyter-repo2docker is a test dependency (pyproject [test])"
    # a copy of what Binder would see, so the repository itself is never touched
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache"))
    out = subprocess.run([str(r2d), "--no-build", "--debug", "--user-id", "1000",
                          "--user-name", "jovyan", str(repo)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    dockerfile = out.stdout + out.stderr
    assert "binder/environment.yml" in dockerfile
    assert "./binder/postBuild" in dockerfile
    # binder/apt.txt is read: its packages (espeak-ng for the speech notebooks) are
    # the ones in the Dockerfile's only apt-get install without -qq.
    apt = [ln.strip() for ln in (ROOT / "binder" / "apt.txt").read_text().splitlines()
           if ln.strip() and not ln.lstrip().startswith("#")]
    installs = re.findall(r"^apt-get install --yes --no-install-recommends(.*) && \\$",
                          dockerfile, re.MULTILINE)
    assert [line.split() for line in installs] == [apt], installs
    assert "python=3.11" in dockerfile  # the Python version the environment file asks for


def test_peak_memory_is_this_process_own_and_grows_with_an_allocation():
    import numpy as np

    from seqlab.about import peak_memory_mb

    before = peak_memory_mb()
    block = np.ones(64 * 2**20 // 8)          # 64 MB, touched
    after = peak_memory_mb()
    assert 0 < before <= after and after >= block.nbytes / 2**20
