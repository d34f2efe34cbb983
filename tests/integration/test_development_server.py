"""`make run` on a port of the newcomer's choosing: PORT on the command line or in the environment."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INHERITED = {"PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}  # `make test`'s own


def _planned_run(make: str, args: list[str], extra: dict[str, str]) -> str:
    """What `make run` would do (make -n prints the commands without running them)."""
    env = {key: value for key, value in os.environ.items() if key not in INHERITED}
    return subprocess.run(
        [make, "--no-print-directory", "-n", "run", *args],
        cwd=ROOT,
        env={**env, **extra},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.parametrize(
    ("args", "extra", "port"),
    [(["PORT=5001"], {}, "5001"), ([], {"PORT": "5001"}, "5001"), ([], {}, "5000")],
)
def test_port_moves_the_development_server_and_the_address_it_links_to(args, extra, port):
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    planned = _planned_run(make, args, extra)
    served = [line for line in planned.splitlines() if " run --host " in line]
    assert len(served) == 1, planned
    assert f"PORT={port} " in served[0], served[0]
    assert f"--port {port} " in served[0], served[0]
    assert f"http://127.0.0.1:{port}/demo-lms/" in planned
