"""GRS remembers DRF's choice of renderer per Accept header (api.RememberedNegotiation):
the answers are those DRF negotiates afresh, and refusals are never remembered."""

import pytest

from calendarsite import api

from .conftest import url


@pytest.fixture(autouse=True)
def forget():
    api._NEGOTIATED.clear()
    yield
    api._NEGOTIATED.clear()


@pytest.mark.parametrize("accept", [None, "application/json", "*/*", "text/html, */*;q=0.1"])
def test_remembered_choice_answers_json_each_time(client, package, accept):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    for _ in range(2):
        response = client.get(url(package, "calendars"), **headers)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
    assert len(api._NEGOTIATED) == 1


def test_an_empty_header_is_not_an_absent_one(client, package):
    assert client.get(url(package, "calendars")).status_code == 200  # absent: */*
    for _ in range(2):  # empty: nothing acceptable, as DRF answers it
        assert client.get(url(package, "calendars"), HTTP_ACCEPT="").status_code == 406


def test_refusal_is_not_remembered_nor_a_choice_reused_for_another_header(client, package):
    assert client.get(url(package, "calendars"), HTTP_ACCEPT="application/json").status_code == 200
    for _ in range(2):
        response = client.get(url(package, "calendars"), HTTP_ACCEPT="text/html")
        assert response.status_code == 406
        assert "message" in response.json()
    assert len(api._NEGOTIATED) == 1
    long = ", ".join(["text/plain"] * 40 + ["application/json"])
    assert client.get(url(package, "calendars"), HTTP_ACCEPT=long).status_code == 200
    assert len(api._NEGOTIATED) == 1  # long headers are negotiated afresh
