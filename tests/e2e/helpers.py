"""Run real ``scrapy crawl`` / ``scrapy <command>`` processes against the fixture site."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# Fast, deterministic crawls on loopback; politeness stays on (robots.txt) but without delays.
TEST_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "DOWNLOAD_TIMEOUT": "3",
    "DOWNLOAD_MAXSIZE": str(2 * 1024 * 1024),
    "DOWNLOAD_WARNSIZE": "0",
    "RETRY_ENABLED": "False",
    "LOG_LEVEL": "INFO",
}


@dataclass
class Project:
    """One test's configuration: database, sources and watches files, data dir."""

    db_url: str
    sources: Path
    watches: Path
    data_dir: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
        env.update(
            NEWSWATCH_DB_URL=self.db_url,
            NEWSWATCH_SOURCES=str(self.sources),
            NEWSWATCH_WATCHES=str(self.watches),
            NEWSWATCH_DATA_DIR=str(self.data_dir),
            NEWSWATCH_LOG_LEVEL="INFO",
        )
        return env

    def scrapy(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        settings: list[str] = []
        if args and args[0] == "crawl":
            for name, value in TEST_SETTINGS.items():
                settings += ["-s", f"{name}={value}"]
        return subprocess.run(
            [sys.executable, "-m", "scrapy", *args, *settings],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def crawl(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = self.scrapy("crawl", "feeds", *args)
        assert result.returncode == 0, result.stderr[-4000:]
        return result

    def json_lines(self, *args: str) -> list[dict[str, Any]]:
        result = self.scrapy(*args, "--json")
        assert result.returncode == 0, result.stderr[-4000:]
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def write_sources(path: Path, sources: dict[str, list[str]], **extra: str) -> Path:
    lines = []
    for name, feeds in sources.items():
        lines += ["[[sources]]", f'name = "{name}"', f"feeds = {json.dumps(feeds)}"]
        lines += [f"{key} = {value}" for key, value in extra.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
