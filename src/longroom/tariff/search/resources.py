"""The package's own data files (self-authored vocabularies), read from `data/`."""

from __future__ import annotations

from importlib import resources


def read_lines(name: str) -> list[str]:
    """Non-blank lines of data/<name>, with `#` comments removed and whitespace trimmed."""
    text = resources.files("longroom.tariff.search").joinpath("data", name).read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def read_pairs(name: str) -> list[tuple[str, str]]:
    """Tab-separated two-column lines of data/<name>."""
    pairs = []
    for line in read_lines(name):
        left, sep, right = line.partition("\t")
        if not sep:
            raise ValueError(f"data/{name}: no tab in line {line!r}")
        pairs.append((left.strip(), right.strip()))
    return pairs
