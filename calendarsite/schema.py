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


# What client generators and linters (Redocly, openapi-python-client,
# datamodel-code-generator) need beyond what drf-spectacular writes (docs/openapi.md).

# Names of enum members (x-enum-varnames), where the values do not make names by
# themselves: integers, and orderings whose "-" means descending.
ENUM_VARNAMES = {
    "TypeIdEnum": ["Class", "Interview", "Other"],
}


def enum_varname(value: Any) -> str:
    """A member name for a string value: "-StartTime" → "StartTimeDesc",
    "TIME_CHANGE" → "TimeChange", "Validation Failed" → "ValidationFailed"."""
    text = str(value)
    descending = text.startswith("-")
    words = re.findall(r"[A-Za-z0-9]+", text)
    if text.upper() == text:  # FIXED, TIME_CHANGE
        words = [word.capitalize() for word in words]
    name = "".join(word[:1].upper() + word[1:] for word in words) or "Empty"
    return name + ("Desc" if descending else "")


def for_generators(result: dict[str, Any], request: Any = None, **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook, the last one: servers, nullable enums with a type, member
    names for every enum, unused components dropped."""
    base = request.build_absolute_uri("/").rstrip("/") if request is not None else ""
    result["servers"] = [
        {"url": base or "http://127.0.0.1:8000", "description": "This site" if base else "make run"}
    ]
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        _name_members(schema, ENUM_VARNAMES.get(name))
    _walk(result, schemas)
    _unwrap_listed_examples(result)
    _drop_unused(result)
    return result


def _unwrap_listed_examples(result: dict[str, Any]) -> None:
    """drf-spectacular wraps the example of an array body in one more list, made for an
    example of one item; ours give the whole array (the bulk business-time questions), so
    that wrapping is taken off again. No body of either API is an array of one array."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
            for body in bodies:
                for media in body.get("content", {}).values():
                    for example in media.get("examples", {}).values():
                        value = example.get("value")
                        if (
                            isinstance(value, list)
                            and len(value) == 1
                            and isinstance(value[0], list)
                        ):
                            example["value"] = value[0]


def _walk(node: Any, schemas: dict[str, Any]) -> None:
    """Nullable enums (``oneOf: [Enum, NullEnum]``, which has no type) become one
    inline enum of that type with null among its values, as OAS 3.0.3 wants."""
    if isinstance(node, list):
        for item in node:
            _walk(item, schemas)
        return
    if not isinstance(node, dict):
        return
    refs = [s.get("$ref", "") for s in node.get("oneOf", [])]
    if (
        node.get("nullable")
        and "type" not in node
        and len(refs) == 2
        and refs[1].endswith("/NullEnum")
    ):
        enum = schemas[refs[0].rsplit("/", 1)[1]]
        del node["oneOf"]
        node.update(type=enum["type"], enum=[*enum["enum"], None])
    _name_members(node, None)
    for value in node.values():
        _walk(value, schemas)


def _name_members(schema: dict[str, Any], names: list[str] | None) -> None:
    """Names for an enum's members; a null value (a nullable enum) gets none, as
    generators make it None rather than a member."""
    values = [v for v in schema.get("enum") or [] if v is not None]
    if not values or "x-enum-varnames" in schema:
        return
    if names is None and all(isinstance(v, str) for v in values):
        names = [enum_varname(v) for v in values]
    if names is not None:
        schema["x-enum-varnames"] = names


def _drop_unused(result: dict[str, Any]) -> None:
    """Components nothing refers to any more (NullEnum, once inlined)."""
    schemas = result.get("components", {}).get("schemas", {})
    while True:
        text = repr({k: v for k, v in result.items() if k != "components"}) + repr(
            {k: v for k, v in result.get("components", {}).items()}
        )
        unused = [n for n in schemas if f"#/components/schemas/{n}'" not in text]
        if not unused:
            return
        for name in unused:
            del schemas[name]
