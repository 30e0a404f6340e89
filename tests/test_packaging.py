"""Rules and the sample ontology load from an installed wheel, not only from a checkout."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

import mmrare_core

ROOT = Path(__file__).resolve().parents[1]


def test_this_environment_loads_data_through_the_package() -> None:
    """Under the editable (or any) install, data comes from inside the package."""
    from mmrare_core.ontology.ontology import sample_source
    from mmrare_core.rules.files import rules_path

    package = Path(mmrare_core.__file__).parent
    assert rules_path("alias_rules.json").is_relative_to(package)
    assert sample_source().is_relative_to(package)
    assert (ROOT / "rules").resolve() == (package / "data" / "rules").resolve()
    assert (ROOT / "ontology").resolve() == (package / "data" / "ontology").resolve()


@pytest.mark.slow
def test_wheel_installs_and_runs_the_main_job_elsewhere(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = dist.glob("mmrare_core-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    # The dependencies come from this environment, appended after the venv's own packages.
    purelib = Path(
        sysconfig.get_paths(vars={"base": str(env_dir), "platbase": str(env_dir)})["purelib"]
    )
    (purelib / "_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = subprocess.run(
        [str(python), "-c", "import mmrare_core, sys; print(mmrare_core.__file__)"],
        cwd=elsewhere, check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert str(env_dir) in run.stdout, "the wheel, not the checkout, must be imported"
    env = {"MMRARE_CACHE_DIR": str(tmp_path / "cache"), "PATH": ""}
    examples = ROOT / "examples"
    job = subprocess.run(
        [str(python), "-m", "mmrare_core.audit", str(examples / "items.jsonl"),
         "--images-root", str(examples), "--documents", str(examples / "documents"),
         "--format", "jsonl", "--exit-zero"],
        cwd=elsewhere, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert job.returncode == 0, job.stderr
    verdicts = [json.loads(line)["verdict"] for line in job.stdout.splitlines()]
    assert len(verdicts) == 14 and "pass" in verdicts and "reject" in verdicts
    stats = subprocess.run(
        [str(python), "-m", "mmrare_core", "ontology", "stats", "--json"],
        cwd=elsewhere, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert stats.returncode == 0, stats.stderr
    assert '"disorders"' in stats.stdout and "product1" in stats.stdout
