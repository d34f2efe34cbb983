"""The health check a load balancer probes: it tells a serving worker from one that cannot."""

from __future__ import annotations

from flask import Flask


def test_a_worker_whose_database_and_store_answer_is_healthy(app: Flask):
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "checks": {"database": "ok", "shared_store": "ok"},
    }
    assert "no-store" in response.headers["Cache-Control"]


def test_a_worker_that_cannot_reach_redis_answers_503_naming_it_and_nothing_more(app_with):
    down = app_with(redis_url="redis://127.0.0.1:9/0")
    response = down.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "shared_store": "unavailable"}
    assert "127.0.0.1" not in response.get_data(as_text=True)  # no address for whoever asks


def test_the_health_check_only_reads(app: Flask):
    assert app.test_client().post("/health").status_code == 405


def test_a_worker_that_cannot_reach_its_database_answers_503_naming_it(app_with):
    """The answer's headers must not need the database either (no list of LMSs to frame it)."""
    down = app_with(database_url="postgresql+psycopg://postgres@127.0.0.1:9/nowhere")
    response = down.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unavailable"
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
