def test_unknown_api_url_answers_in_events_shape(client):
    response = client.get("/api/v2/nowhere")
    assert response.status_code == 404
    assert response.json() == {"Message": "Not found."}


def test_unknown_grs_url_answers_in_grs_shape(client):
    response = client.get("/grs/v1/nowhere")
    assert response.status_code == 404
    assert response.json() == {"message": "Not found."}


def test_method_not_allowed_on_a_plain_api_view_keeps_its_allow_header(client):
    # The iCalendar feed is a plain Django view; the middleware rewrites its 405 in the
    # family's shape and must keep the Allow header (found by tests/test_fuzz.py).
    response = client.post("/api/v2/calendar-events/feeds/feed_nope.ics")
    assert response.status_code == 405
    assert response.json() == {"Message": "Method not allowed."}
    assert response["Allow"] == "GET, HEAD"
