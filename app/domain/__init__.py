"""IMR Academy's own rules as plain Python: no Flask, no SQLAlchemy, time passed in."""
