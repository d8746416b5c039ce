"""Personas used by the tests of jupyter-ai-personas."""
