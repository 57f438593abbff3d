"""Compare a parsed OperatorSpec with an operator's expected interface (a corpus expected.yaml entry)."""

from __future__ import annotations

from typing import Any

__all__ = ["interface_mismatches"]


def _typed(value: Any) -> tuple[str, Any]:
    """A default with its Python type, so that 1 != 1.0 != True."""
    return (type(value).__name__, value)


def _expected_parameter(raw: dict[str, Any]) -> dict[str, Any]:
    item = {
        "type": raw["type"],
        "required": raw["required"],
        "default": _typed(raw["default"]) if "default" in raw else None,
        "secret": raw["secret"],
        "description": raw["description"],
    }
    if raw["type"] == "boolean":
        item["true_text"] = raw["true_text"]
        item["false_text"] = raw["false_text"]
    item["role"] = raw.get("role", "value")
    item["joined_to"] = raw.get("joined_to", "")
    item["trailing_slash"] = raw.get("trailing_slash", False)
    item["id"] = raw.get("id", raw["name"])
    return item


def _actual_parameter(param: Any) -> dict[str, Any]:
    item = {
        "type": param.type.value,
        "required": param.required,
        "default": None if param.default is None else _typed(param.default),
        "secret": param.secret,
        "description": param.description,
    }
    if param.type.value == "boolean":
        item["true_text"] = param.true_text
        item["false_text"] = param.false_text
    item["role"] = param.role.value
    item["joined_to"] = param.joined_to
    item["trailing_slash"] = param.trailing_slash
    item["id"] = param.input_id
    return item


def interface_mismatches(case: dict[str, Any], spec: Any, source_file: str) -> list[str]:
    """Every difference between expected.yaml and the parsed spec, one line each."""
    from claimed_cwl.spec import DependencyKind

    problems: list[str] = []

    def check(what: str, expected: Any, actual: Any) -> None:
        if expected != actual:
            problems.append(f"{what}: expected {expected!r}, got {actual!r}")

    check("name", case["name"], spec.name)
    check("language", case["language"], spec.language.value)
    check("description", case["description"], spec.description)
    check("source_file", source_file, spec.source_file)
    check("parameter names (in order)", [p["name"] for p in case["parameters"]], [p.name for p in spec.parameters])
    actual_params = {p.name: p for p in spec.parameters}
    for raw in case["parameters"]:
        if raw["name"] in actual_params:
            expected, actual = _expected_parameter(raw), _actual_parameter(actual_params[raw["name"]])
            for key in expected:
                check(f"parameter {raw['name']}.{key}", expected[key], actual.get(key))
    check("output names (in order)", [o["name"] for o in case["outputs"]], [o.name for o in spec.outputs])
    actual_outputs = {o.name: o for o in spec.outputs}
    for raw in case["outputs"]:
        if raw["name"] in actual_outputs:
            out = actual_outputs[raw["name"]]
            check(f"output {raw['name']}.kind", raw["kind"], out.kind.value)
            check(f"output {raw['name']}.path", raw["path"], out.path)
            check(f"output {raw['name']}.description", raw["description"], out.description)
            check(f"output {raw['name']}.prefix", raw.get("prefix", ""), out.prefix)
            check(f"output {raw['name']}.suffixes", raw.get("suffixes", []), list(out.suffixes))
            check(f"output {raw['name']}.rewrites", raw.get("rewrites", ""), out.rewrites)
    expected_deps = case.get("dependencies", {})
    for kind in DependencyKind:
        check(f"dependencies {kind.value}", expected_deps.get(kind.value, []), list(spec.packages(kind)))
    resources = case.get("resources", {})
    for key in ("cores", "ram_mib", "gpus", "time_limit_s"):
        expected_value = resources.get(key)
        actual_value = getattr(spec.resources, key)
        check(f"resources {key}", expected_value and _typed(expected_value),
              actual_value and _typed(actual_value))
    check("additional_files", case.get("additional_files", []), list(spec.additional_files))
    return problems
