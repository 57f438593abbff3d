"""Render a :class:`~claimed_cwl.report.model.RunRecord` as one self-contained HTML file.

The tables are plain HTML (readable without JavaScript); the timeline and the
histogram of batch durations are drawn by plotly.js (its cartesian bundle,
vendored in ``vendor/`` with its MIT licence), inlined into the file, so the
report opens with no network access. Every text in the record has passed the
run's secret mask before it gets here (:func:`claimed_cwl.report.collect.masked`).
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterator
from dataclasses import fields
from importlib.resources import files
from typing import Any

from claimed_cwl.report.model import BatchRecord, GridRecord, JobRecord, OutputFile, RunRecord, human_size

__all__ = ["PLOTLY_FILE", "render_html"]

PLOTLY_FILE = "plotly-cartesian.min.js"
_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5rem auto;max-width:80rem;color:#222;
  padding:0 1rem}
h1{font-size:1.4rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85rem;width:100%} th,td{padding:.25rem .5rem;text-align:left;
  border-bottom:1px solid #eee;vertical-align:top} th{background:#f6f6f6}
td.num{text-align:right;font-variant-numeric:tabular-nums} code,pre{font-size:.8rem}
pre.log-tail{background:#1e1e1e;color:#eee;padding:.6rem;overflow-x:auto;white-space:pre-wrap}
.status-success,.status-succeeded,.status-processed{color:#17803d}
.status-failed,.status-permanentFail,.status-temporaryFail{color:#c62828;font-weight:600}
.muted{color:#777} .cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;min-width:7rem}
.card b{display:block;font-size:1.4rem} .scroll{max-height:30rem;overflow-y:auto}
"""
_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var colours = {success: '#2e7d32', processed: '#2e7d32', skipped: '#9e9e9e'};
  var config = {displaylogo: false, responsive: true};
  function when(t) { return new Date(t * 1000).toISOString(); }
  var jobs = data.jobs.filter(function (j) { return j.started !== null; });
  if (jobs.length) {
    Plotly.newPlot('timeline', [{
      type: 'bar', orientation: 'h',
      y: jobs.map(function (j) { return j.name; }),
      base: jobs.map(function (j) { return when(j.started); }),
      x: jobs.map(function (j) {
        return 1000 * Math.max((j.ended === null ? data.ended : j.ended) - j.started, 0.001); }),
      marker: {color: jobs.map(function (j) { return colours[j.status] || '#c62828'; })},
      text: jobs.map(function (j) { return j.status; }), textposition: 'none',
      hovertemplate: '%{y}<br>%{text}<br>%{base|%H:%M:%S.%L} + %{x:.0f} ms<extra></extra>'
    }], {
      height: Math.min(160 + 22 * jobs.length, 4000), margin: {l: 220, r: 20, t: 10, b: 40},
      xaxis: {type: 'date', title: {text: 'time'}},
      yaxis: {autorange: 'reversed', type: 'category', automargin: true}, bargap: 0.25
    }, config);
  }
  var durations = (data.grid ? data.grid.batches : []).filter(function (b) {
    return b.started !== null && b.ended !== null && !b.before_run; });
  if (durations.length) {
    Plotly.newPlot('histogram', [{
      type: 'histogram', x: durations.map(function (b) { return Math.max(b.ended - b.started, 0); }),
      marker: {color: '#1565c0'}
    }], {height: 320, margin: {l: 60, r: 20, t: 10, b: 50},
         xaxis: {title: {text: 'batch duration (s)'}}, yaxis: {title: {text: 'batches'}}}, config);
  }
})();
"""


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _size(size: int | None) -> str:
    return "-" if size is None else human_size(size)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(header: list[str], rows: list[list[str]], numeric: frozenset[int] = frozenset()) -> str:
    """An HTML table; cells are already escaped HTML."""
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = "".join(_table_row(row, numeric) for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _table_row(row: list[str], numeric: frozenset[int]) -> str:
    return "<tr>" + "".join(f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
                            for i, cell in enumerate(row)) + "</tr>"


def _status(status: str) -> str:
    return f'<span class="status-{_e(status)}">{_e(status)}</span>'


def _measured(value: str, note: str) -> str:
    return value if value != "-" else f'<span class="muted">{_e(note or "not measured")}</span>'


def _jobs_section(jobs: tuple[JobRecord, ...]) -> str:
    if not jobs:
        return "<p class=\"muted\">No job ran.</p>"
    rows = [[_e(job.name), _status(job.status), "-" if job.exit_code is None else _e(job.exit_code),
             _e(_when(job.started)), _seconds(job.seconds),
             _measured(_seconds(job.cpu_seconds), job.cpu_note),
             _measured(_size(job.peak_memory), job.memory_note)] for job in jobs]
    header = ["job", "status", "exit", "started", "wall time", "CPU time", "peak memory"]
    table = _table(header, rows, frozenset({4, 5, 6}))
    tails = "".join(f'<h3 id="log-{_e(job.name)}">{_e(job.name)}: last {len(job.log_tail)} log line(s)</h3>'
                    f'<pre class="log-tail">{_e(chr(10).join(job.log_tail))}</pre>'
                    for job in jobs if job.log_tail)
    failed = [job for job in jobs if job.status not in ("success", "skipped") and job.started is not None]
    no_tail = [job.name for job in failed if not job.log_tail]
    missing = (f'<p class="muted">No log lines were captured for: {_e(", ".join(no_tail))}.</p>'
               if no_tail else "")
    return f'<div class="scroll">{table}</div>' + (f"<h2>Failed jobs: the end of their logs</h2>{tails}"
                                                   if tails or missing else "") + missing


def _value(value: Any) -> str:
    if isinstance(value, dict) and value.get("class") in ("File", "Directory"):
        return f"{_e(value['class'])} <code>{_e(value.get('path') or value.get('location', ''))}</code>"
    return f"<code>{_e(json.dumps(value, ensure_ascii=False, default=str))}</code>"


def _inputs_section(inputs: dict[str, Any]) -> str:
    if not inputs:
        return '<p class="muted">No inputs given (defaults only).</p>'
    return _table(["input", "value"], [[_e(name), _value(value)] for name, value in sorted(inputs.items())])


def _outputs_section(outputs: tuple[OutputFile, ...], code: int) -> str:
    if not outputs:
        return f'<p class="muted">{"No output delivered (the run failed)." if code else "No output files."}</p>'
    rows = [[_e(item.output), f"<code>{_e(item.path)}</code>", _size(item.size), f"<code>{_e(item.checksum)}</code>"]
            for item in outputs]
    return _table(["output", "file", "size", "checksum"], rows, frozenset({2}))


def _batch_row(batch: BatchRecord) -> list[str]:
    state = "skipped" if batch.before_run else batch.state
    return [_e(batch.batch), _status(state), _e(_when(batch.started)), _e(_when(batch.ended)),
            _seconds(batch.seconds), _e(batch.worker), _e(batch.error.strip().splitlines()[-1] if batch.error else "")]


def _failed_first(batches: tuple[BatchRecord, ...]) -> list[BatchRecord]:
    """This run's failed batches first, then the others in the order of the batch list."""
    return sorted(batches, key=lambda batch: batch.before_run or batch.state != "failed")


def _grid_section(grid: GridRecord) -> Iterator[str]:
    """The grid's counts, histogram and batch table; the table row by row."""
    counts = grid.counts()
    cards = "".join(f'<div class="card" id="count-{name}"><b>{value}</b>{name}</div>'
                    for name, value in counts.items())
    problem = f'<p class="muted">{_e(grid.problem)}</p>' if grid.problem else ""
    yield (f"<h2>Grid batches</h2><p>Coordinator <code>{_e(grid.coordinator)}</code>. Batch times come from "
           "the coordinator's markers (see docs/report.md).</p>"
           f'<div class="cards">{cards}</div>{problem}<h3>Batch durations</h3><div id="histogram"></div>'
           '<div class="scroll">')
    header = ["batch", "state", "started", "ended", "duration", "worker", "error"]
    head, _, tail = _table(header, [], frozenset()).partition("</tbody>")
    yield head
    for batch in _failed_first(grid.batches):
        yield _table_row(_batch_row(batch), frozenset({4}))
    yield f"</tbody>{tail}</div>"


def _plotly() -> Iterator[bytes]:
    """plotly.js, in blocks (the report is written piece by piece, never held whole)."""
    with (files("claimed_cwl.report") / "vendor" / PLOTLY_FILE).open("rb") as handle:
        yield from iter(lambda: handle.read(1 << 16), b"")


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _data_pieces(record: RunRecord) -> Iterator[str]:
    """The record as JSON (what the charts read, and what a program may read), the batches one by one."""
    head = {key: value for key, value in asdict_shallow(record).items() if key != "grid"}
    head["jobs"] = [asdict_shallow(job) for job in record.jobs]
    head["outputs"] = [asdict_shallow(item) for item in record.outputs]
    yield _script_json(head)[:-1]
    if record.grid is None:
        yield ', "grid": null}'
        return
    grid = record.grid
    yield f', "grid": {{"coordinator": {_script_json(grid.coordinator)}, "problem": {_script_json(grid.problem)}, '
    yield '"batches": ['
    for index, batch in enumerate(grid.batches):
        yield ("," if index else "") + _script_json(asdict_shallow(batch))
    yield "]}}"


def asdict_shallow(item: Any) -> dict[str, Any]:
    """A dataclass's fields as a dictionary (tuples of strings stay as they are: JSON lists)."""
    return {field.name: getattr(item, field.name) for field in fields(item)}


def render_html(record: RunRecord) -> Iterator[str | bytes]:
    """The report page of ``record`` (masked already), in pieces: the large parts are never held whole."""
    outcome = "succeeded" if record.code == 0 else f"failed (exit code {record.code})"
    notes = "".join(f"<li>{_e(note)}</li>" for note in record.notes)
    shown = f'<span class="status-{"succeeded" if record.code == 0 else "failed"}">{_e(outcome)}</span>'
    summary = _table(["document", "backend", "outcome", "started", "ended", "wall time"], [[
        f"<code>{_e(record.document)}</code>", _e(record.backend), shown, _e(_when(record.started)),
        _e(_when(record.ended)),
        _seconds(record.ended - record.started)]])
    yield f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="claimed-cwl">
<title>claimed-cwl run report: {_e(record.document)}</title><style>{_STYLE}</style>
<script>"""
    yield from _plotly()
    yield f"""</script></head>
<body><h1>Run report: {_e(record.document)}</h1>{summary}
"""
    if record.grid is not None:
        yield from _grid_section(record.grid)
    yield f"""
<h2>Timeline</h2><div id="timeline"></div>
<h2>Jobs</h2>{_jobs_section(record.jobs)}
<h2>Inputs</h2>{_inputs_section(record.inputs)}
<h2>Outputs</h2>{_outputs_section(record.outputs, record.code)}
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}
<script type="application/json" id="report-data">"""
    yield from _data_pieces(record)
    yield f"""</script>
<script>{_SCRIPT}</script>
</body></html>
"""
