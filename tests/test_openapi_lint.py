"""The served OpenAPI document is lint-clean under Redocly's strict recommended rules
plus tools/redocly.yaml's (issue 16), and shaped for client generators: servers, license
and contact, `security: []` where no credential is needed, typed nullable enums, member
names for every enum, one TypeId enum, constraints in the schema.

Redocly CLI is pinned in tools/package.json (package-lock.json) and installed by .ci/run
(`npm ci --prefix tools`); it runs offline once installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
REDOCLY = ROOT / "tools" / "node_modules" / ".bin" / "redocly"


@pytest.fixture(scope="module")
def document(django_db_setup, django_db_blocker) -> bytes:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/")
    assert response.status_code == 200
    return response.content


@pytest.fixture(scope="module")
def schema(document) -> dict:
    return yaml.safe_load(document)


def test_redocly_lint_is_clean(document, tmp_path):
    if not REDOCLY.exists():
        how = "npm ci --prefix tools  (.ci/run does it)"
        if os.getenv("CI") or shutil.which("npm"):
            pytest.fail(f"Redocly CLI is not installed: {how}")
        pytest.skip(f"no npm on this machine: {how}")
    path = tmp_path / "openapi.yaml"
    path.write_bytes(document)
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    result = subprocess.run(  # noqa: S603 - the pinned linter, fixed arguments
        [str(REDOCLY), "lint", str(path), "--config", "redocly.yaml", "--format", "stylish"],
        cwd=ROOT / "tools", env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # recommended-strict makes every finding an error; "valid" is Redocly's all-clear.
    assert "Your API description is valid" in output, output


def test_servers_license_contact(schema):
    assert schema["servers"] == [{"url": "http://testserver", "description": "This site"}]
    assert schema["info"]["license"]["name"] and schema["info"]["contact"]["name"]


def test_the_token_and_feed_operations_need_no_credential(schema):
    assert schema["paths"]["/api/client/generateAuthenticationToken"]["get"]["security"] == []
    assert schema["paths"]["/api/v2/calendar-events/feeds/{secret}.ics"]["get"]["security"] == []


def test_tags_make_module_names(schema):
    tags = {tag for ops in schema["paths"].values() for op in ops.values() for tag in op["tags"]}
    assert tags == {"GRS", "CalendarEvents"}
    assert {t["name"] for t in schema["tags"]} == tags


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_every_enum_names_its_members_and_every_nullable_has_a_type(schema):
    for node in walk(schema):
        if node.get("nullable"):
            assert "type" in node, node
        values = [v for v in node.get("enum") or [] if v is not None]
        if values and not all(isinstance(v, bool) for v in values):
            assert len(node.get("x-enum-varnames", [])) == len(values), node
    components = schema["components"]["schemas"]
    assert components["TypeIdEnum"]["x-enum-varnames"] == ["Class", "Interview", "Other"]
    names = dict(
        zip(
            components["EventOrdering"]["enum"],
            components["EventOrdering"]["x-enum-varnames"],
            strict=True,
        )
    )
    assert names["-StartTime"] == "StartTimeDesc" and names["UpdatedAt"] == "UpdatedAt"
    assert "NullEnum" not in components


def test_list_parameters_refer_to_components_and_carry_their_ranges(schema):
    parameters = {
        p["name"]: p["schema"]
        for p in schema["paths"]["/api/v2/calendar-events"]["get"]["parameters"]
    }
    assert parameters["TypeId"] == {"$ref": "#/components/schemas/TypeIdEnum"}
    assert parameters["Ordering"] == {"$ref": "#/components/schemas/EventOrdering"}
    assert (parameters["PageSize"]["minimum"], parameters["PageSize"]["maximum"]) == (1, 1000)
    assert (parameters["UserId"]["minimum"], parameters["UserId"]["maximum"]) == (1, 2**63 - 1)
    # One TypeId enum in the whole document.
    typeid_enums = [n for n in walk(schema) if n.get("enum") == [1, 2, 3]]
    assert len(typeid_enums) == 1
