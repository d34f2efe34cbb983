"""Deep linking: a trainer places the training, a day or a module in the LMS course."""

from __future__ import annotations

import re

import jwt
import pytest
from flask import Flask
from jwcrypto.jwk import JWK

from tests.support.lms import (
    DIRECTOR,
    PRACTITIONER,
    RETURN_URL,
    TRAINER,
    LocalLms,
    csrf_token,
    deep_linking_claims,
)
from tests.support.toolkit import fixture_toolkit

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


@pytest.mark.parametrize(
    ("item", "lands_on"),
    [
        ("module:session-structure", "/training/module/session-structure"),
        ("day:1", "/training/day/1"),
        ("training", "/training/"),
        ("toolkit:relapse-prevention-plan", "/toolkit/relapse-prevention-plan"),
    ],
)
def test_deep_linking_round_trip(app: Flask, lms: LocalLms, item: str, lands_on: str):
    trainer = app.test_client()
    launched = trainer.post(
        "/lti/launch", data=lms.launch_fields(trainer, TRAINER, claims=deep_linking_claims())
    )
    assert launched.location == "/training/deep-link"
    picker = trainer.get("/training/deep-link")
    assert "Day 3" in picker.get_data(as_text=True)
    reply = trainer.post(
        "/training/deep-link", data={"item": item, "csrf_token": csrf_token(picker)}
    )
    html = reply.get_data(as_text=True)
    assert f'action="{RETURN_URL}"' in html
    token = re.search(r'name="JWT" value="([^"]+)"', html).group(1)
    header = jwt.get_unverified_header(token)
    jwk = next(k for k in trainer.get("/lti/jwks").get_json()["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(
        token, JWK(**jwk).export_to_pem(), algorithms=["RS256"], audience=lms.platform.issuer
    )
    assert claims["iss"] == lms.platform.client_id
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "deployment_id"] == lms.platform.deployment_id
    assert claims[DL + "data"] == "lms-opaque-42"
    [content] = claims[DL + "content_items"]
    assert content["type"] == "ltiResourceLink"
    assert content["url"] == "http://localhost/lti/launch"
    assert content["custom"] == {"imr_item": item}

    practitioner = app.test_client()
    lms.launch(practitioner, PRACTITIONER)
    practitioner.post(
        "/training/consent",
        data={"shares": "yes", "csrf_token": csrf_token(practitioner.get("/practitioner"))},
    )
    placed = lms.launch(practitioner, PRACTITIONER, claims={LTI + "custom": content["custom"]})
    assert placed.location == lands_on
    assert practitioner.get(lands_on).status_code == 200


def test_a_link_to_a_removed_module_lands_home_with_a_message(app: Flask, lms: LocalLms):
    client = app.test_client()
    placed = lms.launch(
        client, PRACTITIONER, claims={LTI + "custom": {"imr_item": "module:retired-module"}}
    )
    assert placed.location == "/practitioner"
    assert "no longer exists" in client.get("/practitioner").get_data(as_text=True)


def test_the_picker_needs_a_deep_linking_launch(app: Flask, lms: LocalLms):
    client = app.test_client()
    lms.launch(client, TRAINER)
    response = client.get("/training/deep-link")
    assert response.status_code == 400
    assert "starts in your LMS" in response.get_data(as_text=True)


def _place(app: Flask, lms: LocalLms, item: str) -> dict:
    """A trainer picks the item in a deep-linking launch; the custom claims the LMS stores."""
    trainer = app.test_client()
    trainer.post(
        "/lti/launch", data=lms.launch_fields(trainer, TRAINER, claims=deep_linking_claims())
    )
    picker = trainer.get("/training/deep-link")
    reply = trainer.post(
        "/training/deep-link", data={"item": item, "csrf_token": csrf_token(picker)}
    )
    token = re.search(r'name="JWT" value="([^"]+)"', reply.get_data(as_text=True)).group(1)
    [content] = jwt.decode(token, options={"verify_signature": False})[DL + "content_items"]
    return content


def test_a_trainer_places_a_handout_its_group_version_and_a_trainers_guide_day(
    app: Flask, lms: LocalLms
):
    with fixture_toolkit(app):
        trainer = app.test_client()
        trainer.post(
            "/lti/launch", data=lms.launch_fields(trainer, TRAINER, claims=deep_linking_claims())
        )
        picker = trainer.get("/training/deep-link").get_data(as_text=True)
        assert 'value="toolkit:medication-handout"' in picker
        assert "Toolkit · Handout, group version: Using medication well" in picker
        assert (
            "Trainer&#39;s guide (trainers and directors only): Trainer&#39;s guide, day 1"
            in picker
        )

        handout = _place(app, lms, "toolkit:medication-handout@group")
        assert handout["title"] == "Using medication well (group version)"
        practitioner = app.test_client()
        placed = lms.launch(practitioner, PRACTITIONER, claims={LTI + "custom": handout["custom"]})
        assert placed.location == "/toolkit/medication-handout?version=group"
        assert "A group planning round" in practitioner.get(placed.location).get_data(as_text=True)

        day = _place(app, lms, "toolkit:trainer-guide-day-1")
        assert day["custom"] == {"imr_item": "toolkit:trainer-guide-day-1"}
        for user in (TRAINER, DIRECTOR):
            client = app.test_client()
            landed = lms.launch(client, user, claims={LTI + "custom": day["custom"]})
            assert landed.location == "/toolkit/trainer-guide-day-1"
            assert client.get(landed.location).status_code == 200
        placed = lms.launch(practitioner, PRACTITIONER, claims={LTI + "custom": day["custom"]})
        refused = practitioner.get(placed.location)
        assert refused.status_code == 403
        assert "for trainers and directors" in refused.get_data(as_text=True)


def test_the_picker_is_only_for_trainers_and_directors(app: Flask, lms: LocalLms):
    practitioner = app.test_client()
    practitioner.post(
        "/lti/launch",
        data=lms.launch_fields(practitioner, PRACTITIONER, claims=deep_linking_claims()),
    )
    assert practitioner.get("/training/deep-link").status_code == 403
