"""Use cases: load rows, apply the domain rules, write, and commit once."""
