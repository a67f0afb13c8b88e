"""The test suite: run with `pytest` from the project root."""
