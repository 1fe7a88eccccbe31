"""docs/PERFORMANCE.md: each benchmark's section between its own markers, and the line saying where
and when the figures were measured."""

import os
import platform
from datetime import datetime, timezone
from pathlib import Path

PERFORMANCE = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    u = platform.uname()
    return (f"{u.system} {u.release} {u.machine}, {os.cpu_count()} CPUs ({cpu}), "
            f"Python {platform.python_version()}")


def run_stamp(command: str, details: str) -> str:
    """``Run <date> UTC with `<command>` (<details>) on <machine>.``: the first line of a section."""
    return f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with `{command}` ({details}) on {machine()}."


def write_section(name: str, heading: str, body: str, path: Path = PERFORMANCE) -> None:
    """Replaces the text between the markers of benchmark ``name``, leaving every other section alone;
    a benchmark without a section yet gets one at the end, under ``heading``."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    text = path.read_text() if path.exists() else "# Performance\n"
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n" + block + "\n"
    path.write_text(text)
