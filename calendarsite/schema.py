"""The OpenAPI document's cross-cutting parts: path parameter names and the error
responses shared by both families. The shapes of each family live in its app's schema.py.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import OpenApiResponse

# The views take snake_case keyword arguments; the vendors' pages name the same path
# parameters in camelCase ({tenantId}) and 12Twenty's in PascalCase ({Id}).
PATH_PARAMETER_NAMES = {"event_id": "Id"}


def path_parameter_name(name: str) -> str:
    if name in PATH_PARAMETER_NAMES:
        return PATH_PARAMETER_NAMES[name]
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def openapi_path(route: str) -> str:
    """A Django route (``grs/v1/permissions/<str:tenant_id>``) as its OpenAPI path
    (``/grs/v1/permissions/{tenantId}``)."""
    return "/" + re.sub(
        r"<(?:\w+:)?(\w+)>", lambda m: "{" + path_parameter_name(m[1]) + "}", route
    ).lstrip("/")


def tidy(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: the vendors' path parameter names, paths and responses in
    order, closed answer shapes."""
    paths = {}
    for path, operations in result.get("paths", {}).items():
        new_path = re.sub(r"\{(\w+)\}", lambda m: "{" + path_parameter_name(m[1]) + "}", path)
        for operation in operations.values():
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                if parameter["in"] == "path":
                    parameter["name"] = path_parameter_name(parameter["name"])
            # Path parameters first, in the order of the path.
            parameters.sort(key=lambda p: (p["in"] != "path", new_path.find(p["name"])))
            operation["responses"] = dict(sorted(operation["responses"].items()))
        paths[new_path] = operations
    result["paths"] = dict(sorted(paths.items()))
    _close_answers(result)
    return result


def _close_answers(result: dict[str, Any]) -> None:
    """Answers carry exactly the documented keys: their object schemas get
    ``additionalProperties: false``, so that a client generator (and the fuzz) knows
    the shape is closed. Request bodies stay open: unknown keys are ignored."""
    schemas = result.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    pending = [
        response
        for operations in result["paths"].values()
        for operation in operations.values()
        for response in operation["responses"].values()
    ]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/") and ref not in seen:
                seen.add(ref)
                pending.append(schemas[ref.rsplit("/", 1)[1]])
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)


def error_responses(
    serializer: Any, texts: dict[int, str], statuses: tuple[int, ...], **overrides: str
) -> dict[int, OpenApiResponse]:
    """``{status: OpenApiResponse}`` in the family's error shape for ``statuses``, each
    described by ``texts[status]`` unless ``overrides["e<status>"]`` says otherwise."""
    return {
        status: OpenApiResponse(
            response=serializer, description=overrides.get(f"e{status}", texts[status])
        )
        for status in statuses
    }
