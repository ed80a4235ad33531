"""The deployment files agree with the code: the systemd unit's restart rules with bot/startup.py's exit codes,
the compose file is valid YAML with PostgreSQL and two bot replicas, the image runs `actionbot run`.

No container runtime runs on the development machine, so the compose file and the image are checked as files.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot import startup

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def unit_values(key: str) -> list[str]:
    text = (DEPLOY / "actionbot.service").read_text(encoding="utf-8")
    return re.findall(rf"^{key}=(.*)$", text, re.M)


def load_yaml(path: Path) -> Any:
    """PyYAML if this interpreter has it, else a system python3 that has it (the project does not depend on it)."""
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        python = shutil.which("python3")
        if python is None:
            pytest.skip("no YAML parser available")
        code = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))"
        done = subprocess.run([python, "-c", code, str(path)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            if "No module named 'yaml'" in done.stderr:
                pytest.skip("no YAML parser available")
            raise AssertionError(done.stderr) from None
        return json.loads(done.stdout)
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_unit_restarts_on_transient_failures_and_stops_on_permanent_ones():
    assert unit_values("Restart") == ["on-failure"]
    [prevent] = unit_values("RestartPreventExitStatus")
    codes = {int(c) for c in prevent.split()}
    assert codes == set(startup.PERMANENT)
    assert not codes & set(startup.TRANSIENT)  # lock lost (14) must restart: it comes back as the standby
    assert startup.LOCK_LOST in startup.TRANSIENT and startup.ALREADY_RUNNING in startup.TRANSIENT


def test_the_unit_is_hardened_and_may_write_only_its_data_directory():
    for key, value in {
        "NoNewPrivileges": "true",
        "ProtectSystem": "strict",
        "PrivateTmp": "true",
        "ProtectHome": "true",
        "ReadWritePaths": "/var/lib/actionbot",
        "User": "actionbot",
    }.items():
        assert unit_values(key) == [value], key
    assert unit_values("ExecStart")[0].endswith("actionbot --config /etc/actionbot/config.toml run")


def test_the_compose_file_runs_postgresql_and_two_bot_replicas():
    compose = load_yaml(DEPLOY / "compose.yaml")
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert db["image"].split("/")[-1].startswith("postgres:")
    assert bot["deploy"]["replicas"] == 2
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://actionbot:")
    assert "@db:5432/actionbot" in bot["environment"]["DATABASE_URL"]
    assert bot["build"]["dockerfile"] == "deploy/Containerfile"
    # outages are waited out inside the process; a permanent error (config, token) stops after a few tries
    assert bot["restart"] == "on-failure:5"


def test_the_unit_uses_no_key_debian_12s_systemd_does_not_know():
    text = (DEPLOY / "actionbot.service").read_text(encoding="utf-8")
    for key in ("RestartSteps", "RestartMaxDelaySec"):  # systemd >= 254; 252 warns "Unknown key"
        assert not re.search(rf"^{key}=", text, re.M), key


def test_the_unit_verifies_without_warnings(tmp_path):
    """`systemd-analyze verify` on the unit as installed; its ExecStart points at an executable that exists here
    (the real one lives in /opt/actionbot), so every remaining message is about the unit itself."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    text = (DEPLOY / "actionbot.service").read_text(encoding="utf-8")
    executable = shutil.which("true") or "/bin/true"
    unit = tmp_path / "actionbot.service"
    unit.write_text(text.replace("/opt/actionbot/.venv/bin/actionbot", executable), encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, check=False, timeout=60
    )
    messages = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    if done.returncode != 0 and any("Failed to" in m and "bus" in m.lower() for m in messages):
        pytest.skip(f"systemd-analyze cannot run here: {messages[0]}")
    assert messages == [] and done.returncode == 0, messages


def test_the_image_runs_the_bot_as_an_unprivileged_user():
    text = (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    assert re.search(r"^USER actionbot$", text, re.M)
    assert 'ENTRYPOINT ["actionbot"]' in text and 'CMD ["run"]' in text
    import tomllib

    found = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    for part in (p.rstrip("*") for p in found["find"]["include"]):  # every package pyproject.toml installs
        assert f"COPY {part} ./{part}" in text, part


def test_the_operations_guide_covers_each_task_and_links_its_parts():
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    for needed in ("Install", "First start", "Upgrade", "Monitoring", "Backup and restore", "Failover",
                   "Token rotation", "Moving from SQLite to PostgreSQL", "At the project's end"):  # fmt: skip
        assert needed in headings, needed
    assert "operations-monitoring.md" in text and "operations-backup.md" in text
    assert "deploy/actionbot.service" in text and "deploy/compose.yaml" in text
