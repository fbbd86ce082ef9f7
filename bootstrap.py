#!/usr/bin/env python3
"""Set up newswatch's virtualenv from the lock file, then run the main job or the tests.

    python3 bootstrap.py run   [ARGS...]   # the scheduler (python scheduler.py ARGS)
    python3 bootstrap.py test  [ARGS...]   # the test suite (pytest ARGS)
    python3 bootstrap.py scrapy ARGS...    # any Scrapy command (crawl feeds, articles, ...)

Needs only Python 3.11+ and pip. The virtualenv lives in .venv and is reinstalled when
requirements.lock changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before the venv exists
        sys.exit(f"newswatch needs Python 3.11 or newer, this is {sys.version.split()[0]}")
    stamp = VENV / ".lock-sha256"
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if PYTHON.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return
    if not PYTHON.exists():
        print("bootstrap: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("bootstrap: installing requirements.lock into .venv", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "-r", str(LOCK)], check=True)
    stamp.write_text(digest + "\n")


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in {"run", "test", "scrapy"}:
        print(__doc__.strip())
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    ensure_venv()
    what, rest = argv[0], argv[1:]
    if what == "run":
        command = [str(PYTHON), str(ROOT / "scheduler.py"), *rest]
    elif what == "test":
        command = [str(PYTHON), "-m", "pytest", *rest]
    else:
        command = [str(PYTHON), "-m", "scrapy", *rest]
    return subprocess.call(command, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
