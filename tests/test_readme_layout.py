"""The README's Layout lists every package and top-level module of claimed_cwl, one line each, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "claimed_cwl"
_ENTRY = re.compile(r"^    (?P<path>claimed_cwl/\S+)\s+(?P<role>\S.*)$")


def _layout() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    entries: dict[str, str] = {}
    for line in section.splitlines():
        match = _ENTRY.match(line)
        if match:
            assert match["path"] not in entries, f"README Layout lists {match['path']} twice"
            entries[match["path"]] = match["role"]
    return entries


def _tree() -> set[str]:
    packages = {f"{p.parent.relative_to(ROOT).as_posix()}/" for p in PACKAGE.rglob("__init__.py")
                if p.parent != PACKAGE}
    modules = {p.relative_to(ROOT).as_posix() for p in PACKAGE.glob("*.py")
               if p.name not in ("__init__.py", "__main__.py")}
    return packages | modules


def test_layout_lists_every_package_and_module() -> None:
    listed, tree = set(_layout()), _tree()
    assert not tree - listed, f"README Layout does not list {sorted(tree - listed)}"
    assert not listed - tree, f"README Layout lists what is not in the package: {sorted(listed - tree)}"


def test_every_entry_says_its_role_on_one_line() -> None:
    for path, role in _layout().items():
        assert len(role.split()) >= 3, f"{path}: say its role in a few words"
