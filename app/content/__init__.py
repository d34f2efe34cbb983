"""Training content (courses/) as data: parsed, validated and rendered once, then immutable.

Nothing here imports Flask: the CLI, the app and the tests load content the same way.
"""
