"""Every answer under /api/ and /grs/ is the family's JSON, even those Django gives before
any view runs; other paths keep Django's pages."""

import pytest
from django.test import Client


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/api/v2/calendar-events", "Message"),
        ("/api/client/generateAuthenticationToken?key=k", "Message"),
        ("/api/v2/calendar-events/batch", "Message"),
        ("/grs/v1/login", "message"),
        ("/grs/v1/tenants", "message"),
        ("/grs/v1/nowhere", "message"),
    ],
)
@pytest.mark.parametrize("host", ["evil.example", "a b", "x" * 300, "[::1"])
def test_disallowed_host_is_the_familys_json(db, path, key, host):
    response = Client().get(path, HTTP_HOST=host)
    assert response.status_code == 400
    # 12Twenty's answers name their charset, as the vendor's example does.
    json_type = "application/json; charset=utf-8" if key == "Message" else "application/json"
    assert response["Content-Type"] == json_type
    assert response.json() == {key: "The Host header is not allowed."}
    assert host.encode() not in response.content


def test_disallowed_host_on_a_write_is_json_too(db):
    response = Client().put("/api/v2/calendar-events/batch", "[]", HTTP_HOST="evil.example",
                            content_type="application/json")  # fmt: skip
    assert response.json() == {"Message": "The Host header is not allowed."}


def test_disallowed_host_elsewhere_keeps_djangos_page(db):
    response = Client().get("/admin/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_an_error_before_the_api_middleware_is_json(db, monkeypatch):
    # A failure in a middleware placed before ApiErrorMiddleware (here SecurityMiddleware).
    from django.middleware.security import SecurityMiddleware

    def broken(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(SecurityMiddleware, "process_request", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/grs/v1/tenants")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error."}
    response = client.get("/api/v2/calendar-events")
    assert response.json() == {"Message": "Internal server error."}
    assert client.get("/admin/login/")["Content-Type"].startswith("text/html")
