"""Scripted ACP agents for the tests of jupyter-ai-personas."""
