"""The grid settings table of docs/grid.md, written from the one settings table.

``python -m claimed_cwl.grid.settings_doc`` prints it; ``tests/test_grid_golden.py``
checks that docs/grid.md holds exactly this between its two marker comments
(``pytest --update-golden`` writes it there).
"""

from __future__ import annotations

from claimed_cwl.runtime.grid.settings import SETTINGS, Setting, default_text

__all__ = ["BEGIN", "END", "settings_table"]

BEGIN = "<!-- grid settings: generated from claimed_cwl/runtime/grid/settings.py; do not edit -->"
END = "<!-- end of grid settings -->"


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def _cwl(setting: Setting) -> str:
    if setting.cwl_s3:
        return f"`{setting.cwl}` (local) / `{setting.cwl_s3}` (s3)"
    return _code(setting.cwl)


def _where(setting: Setting) -> str:
    where = [f"{setting.backend} only"] if setting.backend else []
    if setting.workers_only:
        where.append("`--workers` only")
    if setting.job:
        where.append("Job")
    if setting.secret:
        where.append("secret (from a Kubernetes Secret)")
    if setting.flag:
        where.append(f"runtime `{setting.flag}`")
    return ", ".join(where)


def _doc(setting: Setting) -> str:
    doc = setting.doc if not setting.doc_s3 else f"{setting.doc}; s3: {setting.doc_s3}"
    default = "" if setting.default is None else f" (default `{default_text(setting.default)}`)"
    return f"{doc}{default}".replace("|", "\\|")


def settings_table() -> str:
    """The Markdown table of every grid setting, between the markers."""
    lines = [BEGIN, "", "| setting | variable (when not the same) | CWL | KFP | where | meaning |",
             "| --- | --- | --- | --- | --- | --- |"]
    for setting in SETTINGS:
        variable = setting.env if setting.env != setting.name else ""
        lines.append(f"| `{setting.name}` | {_code(variable)} | {_cwl(setting)} | {_code(setting.kfp)} | "
                     f"{_where(setting)} | {_doc(setting)} |")
    return "\n".join([*lines, "", END])


if __name__ == "__main__":
    print(settings_table())
