"""Write docs/conformance.md from the results under conformance/results/."""

from __future__ import annotations

from pathlib import Path

from report import Result, failure_lines, read_result

__all__ = ["write_docs"]

_ORDER = ("cwltool-baseline", "cwltool", "toil-baseline", "toil")
_TITLES = {
    "cwltool-baseline": "plain `cwltool`",
    "cwltool": "`claimed-cwl-runner --backend=cwltool`",
    "toil-baseline": "plain `toil-cwl-runner --no-prepull`",
    "toil": "`claimed-cwl-runner --backend=toil`",
}

_INTRO = """# CWL v1.2 conformance

claimed-cwl runs CWL with cwltool (in-process) or Toil (single machine). The
[CWL v1.2 conformance suite](https://github.com/common-workflow-language/cwl-v1.2)
(378 tests, commit 551d58d, vendored in `conformance/cwl-v1.2`) is run with
[cwltest](https://github.com/common-workflow-language/cwltest) driving
`claimed-cwl-runner` (the same as `claimed-cwl run`), with Docker, two tests
at a time. Plain `cwltool` and `toil-cwl-runner` are run the same way as
baselines, so that every difference can be named.

**Images.** No image registry is reachable from the machines this runs on. The
images the suite's Docker tests name (`docker.io/debian:stable-slim`,
`docker.io/python:3-slim`, `docker.io/bash:4.4`, `docker.io/alpine:latest`) are
seeded locally by `bash scripts/base-images.sh conformance` (the harness does
this first) from the offline Debian base image: they are **local stand-ins,
not the Docker Hub images**. The `alpine` name holds a Debian image; the `bash:4.4`
stand-in has bash at `/usr/local/bin/bash` and an ENTRYPOINT like the real
image's, so `docker_entrypoint` passes here.

## Running it

```sh
python conformance/run.py --backend cwltool             # the full suite through claimed-cwl (about 10-20 min)
python conformance/run.py --backend toil                # the same with the Toil backend (about 70 min here)
python conformance/run.py --baseline --backend cwltool  # plain cwltool, for comparison
python conformance/run.py --backend cwltool --tags required --check   # the CI subset
python conformance/run.py --docs                        # rewrite this page from conformance/results/
```

Each run writes `conformance/results/<runner>[-<tags>].json` and `.md` (per tag
passed / failed / skipped, every failure with its cause) and cwltest's badges
under `conformance/results/badges/`. Known failures, with their causes, are
listed in `conformance/expected_failures.yaml`; `--check` fails on any other.
In CI, `tests/test_conformance_required.py` runs the `required` tag (84 tests)
through claimed-cwl with the cwltool backend.
"""


def _load(results: Path) -> dict[str, Result]:
    found = {path.stem: read_result(path) for path in sorted(results.glob("*.json"))}
    return dict(sorted(found.items(), key=lambda kv: (_ORDER.index(kv[1].name) if kv[1].name in _ORDER else 9,
                                                       kv[0])))


def _summary(results: dict[str, Result]) -> list[str]:
    lines = ["| run | tags | passed | failed | skipped | total | wall time |", "|---|---|---:|---:|---:|---:|---:|"]
    for label, r in results.items():
        t = r.totals
        lines.append(f"| [{_TITLES.get(r.name, r.name)}](../conformance/results/{label}.md) | {r.tags or 'all'} | "
                     f"{t['passed']} | {t['failed']} | {t['skipped']} | {t['total']} | {r.wall_seconds / 60:.0f} min |")
    return lines


def _per_tag(results: dict[str, Result]) -> list[str]:
    full = {label: r for label, r in results.items() if not r.tags}
    if not full:
        return []
    tags = sorted({tag for r in full.values() for tag in r.per_tag}, key=lambda t: (t != "all", t))
    lines = ["| tag | " + " | ".join(_TITLES.get(r.name, r.name) for r in full.values()) + " |",
             "|---|" + "---:|" * len(full)]
    for tag in tags:
        cells = []
        for r in full.values():
            c = r.per_tag.get(tag)
            cells.append(f"{c['passed']}/{c['total']}" if c else "-")
        lines.append(f"| {tag} | " + " | ".join(cells) + " |")
    return ["## Passed per tag (full runs)", "", *lines, ""]


def _differences(results: dict[str, Result], reference: str, other: str) -> list[str]:
    """Tests ``reference`` passed that ``other`` did not (and the reverse), over the tests both ran."""
    ref = results.get(reference)
    oth = next((r for label, r in results.items() if r.name == other and label.startswith(other)), None)
    if ref is None or oth is None:
        return []
    causes = {f.id: f for f in [*oth.failures, *oth.unsupported]}
    common = sorted(set(ref.tests) & set(oth.tests))
    lost = [t for t in common if ref.tests[t] == "passed" and oth.tests[t] != "passed"]
    gained = [t for t in common if oth.tests[t] == "passed" and ref.tests[t] != "passed"]
    scope = f" (the {len(common)} tests tagged {oth.tags})" if oth.tags else ""
    lines = [f"## {_TITLES[other]} compared with {_TITLES[reference]}{scope}", "",
             f"Passed by {_TITLES[reference]} but not by {_TITLES[other]}: {len(lost) or 'none'}."]
    for test in lost:
        f = causes.get(test)
        lines.append(f"- `{test}` — *{f.cause}*: {f.reason}" if f else f"- `{test}` — {oth.tests[test]}")
    lines += ["", f"Passed by {_TITLES[other]} but not by {_TITLES[reference]}: "
              + (", ".join(f"`{t}`" for t in gained) or "none") + "."]
    return [*lines, ""]


def write_docs(results_dir: Path, target: Path) -> Path:
    """Write the conformance page from every result in ``results_dir``; return ``target``."""
    results = _load(results_dir)
    lines = [_INTRO, "## Last results", "", *_summary(results), ""]
    notes = results_dir / "NOTES.md"  # how the last results were obtained (hand-written)
    if notes.exists():
        lines += [notes.read_text(encoding="utf-8").rstrip(), ""]
    lines += _per_tag(results)
    lines += _differences(results, "cwltool-baseline", "cwltool")
    lines += _differences(results, "cwltool", "toil")
    lines += _differences(results, "toil-baseline", "toil")
    for r in results.values():
        scope = f" (tags: {r.tags})" if r.tags else ""
        lines += [f"## Failures of {_TITLES.get(r.name, r.name)}{scope}", "", *failure_lines(r.failures), ""]
        if r.unsupported:
            lines += [f"Skipped (reported as unsupported) by {_TITLES.get(r.name, r.name)}{scope}:", "",
                      *failure_lines(r.unsupported), ""]
    target.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return target
