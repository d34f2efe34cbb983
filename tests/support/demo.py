"""The living demo for tests: seed the demo organisation exactly as `make run` does."""

from __future__ import annotations

from flask import Flask

from app.demo_lms.demo import demo_platform
from app.demo_lms.seed import SeedOutcome, seed_demo
from app.extensions import db


def seed(app: Flask) -> SeedOutcome:
    """Seed (or find seeded) the demo organisation at the app's public address, and commit."""
    with app.app_context():
        outcome = seed_demo(demo_platform())
        db.session.commit()
        return outcome
