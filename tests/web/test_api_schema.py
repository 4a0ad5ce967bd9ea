"""The OpenAPI document describes what every JSON endpoint answers (web/api_models.py)."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import WebEnv


def _objects(schema: dict[str, Any], spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The object schemas a response schema stands for: references resolved, unions and lists opened."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return _objects(spec["components"]["schemas"][name], spec)
    if "anyOf" in schema or "oneOf" in schema:
        return [o for part in schema.get("anyOf", schema.get("oneOf")) for o in _objects(part, spec)]
    if schema.get("type") == "array":
        return _objects(schema.get("items", {}), spec)
    return [schema]


def test_every_api_endpoint_has_a_response_schema_with_properties(web_env: WebEnv) -> None:
    spec = web_env.client().get("/api/openapi.json").json()
    api_paths = {path: ops for path, ops in spec["paths"].items() if path.startswith("/api/")}
    assert len(api_paths) >= 15, sorted(api_paths)
    missing = []
    for path, operations in api_paths.items():
        for method, operation in operations.items():
            content = operation.get("responses", {}).get("200", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            objects = _objects(schema, spec) if schema else []
            if not objects or not all(o.get("properties") for o in objects):
                missing.append(f"{method.upper()} {path}")
    assert not missing, missing


def test_the_task_detail_schema_names_its_fields(web_env: WebEnv) -> None:
    spec = web_env.client().get("/api/openapi.json").json()
    schema = spec["paths"]["/api/tasks/{task_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    [task] = _objects(schema, spec)
    assert {"id", "code", "occurrences", "timeline", "lead_units"} <= set(task["properties"])
    [occurrence] = _objects(task["properties"]["occurrences"], spec)
    assert {"key", "due", "status", "bucket", "evidence"} <= set(occurrence["properties"])
