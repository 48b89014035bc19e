def test_unknown_api_url_answers_in_events_shape(client):
    response = client.get("/api/v2/nowhere")
    assert response.status_code == 404
    assert response.json() == {"Message": "Not found."}


def test_unknown_grs_url_answers_in_grs_shape(client):
    response = client.get("/grs/v1/nowhere")
    assert response.status_code == 404
    assert response.json() == {"message": "Not found."}
