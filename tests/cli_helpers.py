"""Running the CLI in tests: through Typer's runner (in process) or as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from typer.testing import CliRunner

from tiekeep.cli.app import build

app = build()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run(db_url: str, *args: str, input: str | None = None, user: str | None = None) -> Result:
    """Invoke `tiekeep --db URL ARGS…` in process and return what it printed."""
    runner = CliRunner()
    prefix = ["--db", db_url] + (["--user", user] if user else [])
    result = runner.invoke(app, [*prefix, *args], input=input, catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


def run_process(db_url: str, *args: str, input: str | None = None,
                env: dict[str, str] | None = None, timeout: float = 120) -> Result:
    """Run tiekeep as a real process (the console script's module)."""
    completed = subprocess.run(
        [sys.executable, "-m", "tiekeep", "--db", db_url, *args],
        input=input, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)
