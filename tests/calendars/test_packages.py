"""Business hierarchy and packages, in the shapes of the vendor's pages (Query Business
Hierarchy, Query Packages, Query Package Details, Create Package, Modify Package)."""

import json
import uuid

import pytest
from django.db.models import ProtectedError, RestrictedError

from calendars import services
from calendars.models import BusinessNode, Package, Template
from tests.factories import TenantFactory

from .conftest import ALL, api_client, member

PACKAGE_PERMS = ("PACKAGE_CREATE", "PACKAGE_MODIFY", "PACKAGE_DELETE")
FORBIDDEN = {"message": "User does not have permission for the specified tenant or business node."}
NOT_FOUND = {
    "message": "could not find specified package ID. Use Query Packages to obtain correct ID."
}


@pytest.fixture
def acme(db):
    """The vendor's example: ACME Solution with a Financial Department."""
    tenant = TenantFactory(name="ACME Solution")
    root = tenant.root_node()
    finance = BusinessNode.objects.create(tenant=tenant, parent=root, name="Financial Department")
    Template.objects.create(tenant=tenant, name="XYZ", version=1)
    return tenant, root, finance


@pytest.fixture
def acme_client(acme):
    tenant, _, _ = acme
    return api_client(member(tenant, *ALL, *PACKAGE_PERMS, username="alice"))


def node_url(tenant, node, rest: str) -> str:
    return f"/grs/v1/tenant/{tenant.pk}/businessnode/{node.pk}/{rest}"


SAMPLE = {
    "name": "dmd",
    "type": "samples",
    "businessName": "XYZ",
    "description": "SamplePackage",
    "templates": [{"name": "XYZ", "version": 1}],
}


def test_a_tenant_has_its_root_node(db):
    tenant = TenantFactory(name="Environment")
    root = BusinessNode.objects.get(tenant=tenant)
    assert (root.parent, root.name) == (None, "Environment")
    assert tenant.root_node() == root


def test_business_hierarchy_in_the_vendors_shape(acme, acme_client):
    tenant, root, finance = acme
    response = acme_client.get(f"/grs/v1/tenant/{tenant.pk}/businesshierarchy")
    assert response.status_code == 200
    assert response.json() == {
        "nodes": [
            {
                "nodeId": root.pk,
                "name": "ACME Solution",
                "children": [
                    {"nodeId": finance.pk, "name": "Financial Department", "children": None}
                ],
            }
        ]
    }


def test_business_hierarchy_is_403_for_a_tenant_the_user_is_not_in(acme_client):
    other = TenantFactory()
    response = acme_client.get(f"/grs/v1/tenant/{other.pk}/businesshierarchy")
    assert response.status_code == 403
    assert response.json() == {"message": "User does not have permission for the specified tenant."}


def test_business_hierarchy_is_one_query(acme, acme_client, django_assert_num_queries):
    tenant, _, finance = acme
    for n in range(5):
        BusinessNode.objects.create(tenant=tenant, parent=finance, name=f"Team {n}")
    with django_assert_num_queries(2):  # the session with membership, then the nodes
        body = acme_client.get(f"/grs/v1/tenant/{tenant.pk}/businesshierarchy").json()
    assert len(body["nodes"][0]["children"][0]["children"]) == 5


def test_create_package_201_then_query_packages_and_details(acme, acme_client):
    tenant, _, finance = acme
    response = acme_client.post(node_url(tenant, finance, "package"), SAMPLE, format="json")
    assert response.status_code == 201
    created = response.json()
    package_id = created["packageId"]
    assert uuid.UUID(package_id)
    expected = {
        "packageId": package_id,
        "name": "dmd",
        "type": "samples",
        "businessName": "XYZ",
        "description": "SamplePackage",
        "templates": [
            {"name": "XYZ", "version": 1, "type": None, "global": False, "changeComment": None}
        ],
    }
    assert created == expected
    assert list(created) == list(expected)
    listed = acme_client.get(node_url(tenant, finance, "packages"))
    assert listed.json() == {"packages": [expected]}
    detail = acme_client.get(node_url(tenant, finance, f"package/{package_id}"))
    assert detail.json() == expected
    package = Package.objects.get(pk=package_id)
    assert (package.tenant, package.node) == (tenant, finance)
    # Its calendars live under the package's usual paths.
    calendars = acme_client.get(f"/grs/v1/tenant/{tenant.pk}/package/{package_id}/calendars")
    assert calendars.json() == {"calendars": []}


def test_packages_of_a_node_are_its_own(acme, acme_client):
    tenant, root, finance = acme
    acme_client.post(node_url(tenant, finance, "package"), SAMPLE, format="json")
    assert acme_client.get(node_url(tenant, root, "packages")).json() == {"packages": []}


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"name": None}, [("1000", "name", "package name must be specified")]),
        ({"name": "  "}, [("1000", "name", "package name must be specified")]),
        ({"name": "my package"}, [("1001", "name", "package name contains invalid character(s)")]),
        ({"name": "9lives"}, [("1001", "name", "package name contains invalid character(s)")]),
        ({"name": "a..b"}, [("1001", "name", "package name contains invalid character(s)")]),
        ({"name": "caf\u00e9"}, [("1001", "name", "package name contains invalid character(s)")]),
        (
            {"name": "com.class.x"},
            [("1002", "name", "package name cannot contain java keyword(s)")],
        ),
        ({"name": "null"}, [("1002", "name", "package name cannot contain java keyword(s)")]),
        ({"type": ""}, [("1004", "type", "package type must be specified")]),
        ({"type": 7}, [("1004", "type", "package type must be specified")]),
        (
            {"templates": [{"name": "XYZ", "version": 2}]},
            [("1005", "templates", "specified template: XYZ version: 2 not found", 0)],
        ),
        (
            {"templates": "XYZ"},
            [("1007", "templates", "templates must be a list of {name, version} objects")],
        ),
        (
            {"businessName": 5},
            [("1008", "businessName", "businessName must be a string of at most 255 characters")],
        ),
        ({"description": ["x"]}, [("1009", "description", "description must be a string")]),
        (
            {"name": "", "type": None, "templates": [{"name": "ABC", "version": 1}]},
            [
                ("1000", "name", "package name must be specified"),
                ("1004", "type", "package type must be specified"),
                ("1005", "templates", "specified template: ABC version: 1 not found", 0),
            ],
        ),
    ],
)
def test_create_package_422_codes(acme, acme_client, change, errors):
    tenant, _, finance = acme
    response = acme_client.post(
        node_url(tenant, finance, "package"), {**SAMPLE, **change}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["message"] == "Validation Failed"
    assert [tuple(e.values()) for e in response.json()["errors"]] == errors
    assert not Package.objects.exists()


def test_contextual_java_keywords_are_legal_package_names(acme, acme_client):
    tenant, _, finance = acme
    body = {**SAMPLE, "name": "com.acme.record.var", "businessName": None, "templates": []}
    response = acme_client.post(node_url(tenant, finance, "package"), body, format="json")
    assert response.status_code == 201
    assert response.json()["businessName"] is None


def test_name_and_business_name_in_use_1003_1006(acme, acme_client):
    tenant, root, finance = acme
    acme_client.post(node_url(tenant, finance, "package"), SAMPLE, format="json")
    # In use anywhere in the tenant, whichever node.
    response = acme_client.post(node_url(tenant, root, "package"), SAMPLE, format="json")
    assert response.json() == {
        "message": "Validation Failed",
        "errors": [
            {"code": "1003", "field": "name", "message": "package name already in use"},
            {"code": "1006", "field": "businessName", "message": "business name already in use"},
        ],
    }
    # Another tenant may use both.
    other = TenantFactory()
    other_client = api_client(member(other, "PACKAGE_CREATE"))
    response = other_client.post(
        node_url(other, other.root_node(), "package"), {**SAMPLE, "templates": []}, format="json"
    )
    assert response.status_code == 201


def test_the_bodys_problems_and_the_databases_are_answered_at_once(acme, acme_client):
    tenant, _, finance = acme
    acme_client.post(node_url(tenant, finance, "package"), SAMPLE, format="json")
    body = {"name": "dmd", "businessName": "XYZ", "templates": [{"name": "nope", "version": 3}]}
    response = acme_client.post(node_url(tenant, finance, "package"), body, format="json")
    assert [(e["code"], e["field"]) for e in response.json()["errors"]] == [
        ("1003", "name"),
        ("1004", "type"),
        ("1005", "templates"),
        ("1006", "businessName"),
    ]
    # A field the body got wrong is not asked of the database as well.
    body = {"name": "dmd", "type": 7, "businessName": ["XYZ"], "templates": "XYZ"}
    response = acme_client.post(node_url(tenant, finance, "package"), body, format="json")
    assert [(e["code"], e["field"]) for e in response.json()["errors"]] == [
        ("1003", "name"),
        ("1004", "type"),
        ("1007", "templates"),
        ("1008", "businessName"),
    ]


def test_modify_package_changes_only_business_name_description_templates(acme, acme_client):
    tenant, _, finance = acme
    created = acme_client.post(node_url(tenant, finance, "package"), SAMPLE, format="json")
    package_id = created.json()["packageId"]
    Template.objects.create(tenant=tenant, name="ABC", version=3, type="rules", is_global=True,
                            change_comment="third")  # fmt: skip
    body = {
        "name": "ignored",
        "type": "ignored",
        "businessName": "New name",
        "description": "Changed",
        "templates": [{"name": "ABC", "version": 3}],
    }
    path = node_url(tenant, finance, f"package/{package_id}")
    response = acme_client.put(path, body, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "packageId": package_id,
        "name": "dmd",
        "type": "samples",
        "businessName": "New name",
        "description": "Changed",
        "templates": [
            {"name": "ABC", "version": 3, "type": "rules", "global": True, "changeComment": "third"}
        ],
    }
    # Keys not sent stay as they are.
    response = acme_client.put(path, {"description": "Again"}, format="json")
    assert (response.json()["businessName"], response.json()["templates"][0]["name"]) == (
        "New name",
        "ABC",
    )


def test_modify_package_422_1005_1006(acme, acme_client):
    tenant, _, finance = acme
    first = acme_client.post(node_url(tenant, finance, "package"), SAMPLE, format="json").json()
    second = acme_client.post(
        node_url(tenant, finance, "package"),
        {**SAMPLE, "name": "other", "businessName": "Other"},
        format="json",
    ).json()
    path = node_url(tenant, finance, f"package/{second['packageId']}")
    response = acme_client.put(
        path, {"businessName": "XYZ", "templates": [{"name": "Q", "version": 1}]}, format="json"
    )
    assert response.json()["errors"] == [
        {
            "code": "1005",
            "field": "templates",
            "message": "specified template: Q version: 1 not found",
            "index": 0,
        },
        {"code": "1006", "field": "businessName", "message": "business name already in use"},
    ]
    # Its own business name is not "in use".
    path = node_url(tenant, finance, f"package/{first['packageId']}")
    assert acme_client.put(path, {"businessName": "XYZ"}, format="json").status_code == 200


def test_unknown_package_of_a_node_is_404_with_the_vendors_text(acme, acme_client):
    tenant, root, finance = acme
    created = acme_client.post(node_url(tenant, finance, "package"), SAMPLE, format="json")
    package_id = created.json()["packageId"]
    for rest in [f"package/{uuid.uuid4()}", "package/not-a-uuid", f"package/{package_id}"]:
        node = root if rest.endswith(package_id) else finance  # another node's package too
        response = acme_client.get(node_url(tenant, node, rest))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


@pytest.mark.parametrize("node_id", ["999999", "x", "-1"])
def test_unknown_or_foreign_node_is_403(acme, acme_client, node_id):
    tenant, _, _ = acme
    response = acme_client.get(f"/grs/v1/tenant/{tenant.pk}/businessnode/{node_id}/packages")
    assert (response.status_code, response.json()) == (403, FORBIDDEN)
    other = TenantFactory()
    response = acme_client.get(node_url(tenant, other.root_node(), "packages"))
    assert (response.status_code, response.json()) == (403, FORBIDDEN)


def test_create_and_modify_need_the_package_permissions(acme):
    tenant, _, finance = acme
    viewer = api_client(member(tenant, *ALL))
    response = viewer.post(node_url(tenant, finance, "package"), SAMPLE, format="json")
    assert response.json() == {
        "message": "User does not have proper permission to perform this operation "
        "(PACKAGE_CREATE)."
    }
    assert viewer.get(node_url(tenant, finance, "packages")).status_code == 200


def test_create_package_command_service_attaches_to_the_root_node(db):
    tenant = services.tenant_create(name="Environment")
    package = services.package_create(tenant=tenant, name="Rules")
    assert package.node == tenant.root_node()


def test_a_node_with_packages_cannot_be_deleted_but_its_tenant_can(acme, acme_client):
    tenant, _, finance = acme
    acme_client.post(node_url(tenant, finance, "package"), SAMPLE, format="json")
    with pytest.raises((RestrictedError, ProtectedError)):
        finance.delete()
    tenant.delete()
    assert not Package.objects.exists()
    assert not BusinessNode.objects.exists()


def test_a_tenant_has_one_root_node(acme):
    from django.core.exceptions import ValidationError

    tenant, root, finance = acme
    second_root = BusinessNode(tenant=tenant, parent=None, name="Another root")
    with pytest.raises(ValidationError, match="root node already"):
        second_root.full_clean()
    root.parent = finance  # a cycle
    with pytest.raises(ValidationError, match="own ancestor"):
        root.full_clean()


@pytest.mark.parametrize(
    ("name", "version"),
    [("X\x00Y", 1), ("\ud800", 1), ("a\x07", 1), (["X"], 1), ({"a": 1}, 1), ("X", [1])],
)
def test_template_names_no_database_can_hold_are_not_found(acme, acme_client, name, version):
    """PostgreSQL refuses NUL in text, and a list is no name: such a template is a 1005,
    never a 500."""
    tenant, _, finance = acme
    body = json.dumps({**SAMPLE, "templates": [{"name": name, "version": version}]})
    response = acme_client.generic(
        "POST", node_url(tenant, finance, "package"), body, content_type="application/json"
    )
    assert [e["code"] for e in response.json()["errors"]] == ["1005"]


@pytest.mark.parametrize(
    ("name", "version", "shown"),
    [
        ("XYZ", None, "XYZ version: null"),
        ("XYZ", True, "XYZ version: true"),
        ("XYZ", 1.0, "XYZ version: 1.0"),
        (["XYZ"], 1, '["XYZ"] version: 1'),
        (None, 7, "null version: 7"),
    ],
)
def test_a_template_not_found_is_named_as_sent_in_json(acme, acme_client, name, version, shown):
    tenant, _, finance = acme
    body = {**SAMPLE, "templates": [{"name": name, "version": version}]}
    response = acme_client.post(node_url(tenant, finance, "package"), body, format="json")
    [error] = response.json()["errors"]
    assert (error["code"], error["message"]) == ("1005", f"specified template: {shown} not found")


def test_a_full_tenant_refuses_another_package(acme, acme_client, monkeypatch):
    """The packages of a node are answered whole, so what a tenant holds is bounded."""
    from calendars import rules

    tenant, _, finance = acme
    have = Package.objects.filter(tenant=tenant).count()
    monkeypatch.setattr(rules, "TENANT_PACKAGES_MAX", have + 1)
    body = {**SAMPLE, "businessName": None, "templates": []}
    create = node_url(tenant, finance, "package")
    assert acme_client.post(create, body, format="json").status_code == 201
    refused = acme_client.post(create, {**body, "name": "other"}, format="json")
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {
            "code": "1010",
            "field": "packages",
            "message": f"the tenant already holds {have + 1} packages, the most it may hold",
        }
    ]
    assert Package.objects.filter(tenant=tenant).count() == have + 1
