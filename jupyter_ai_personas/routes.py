"""The extension's URL paths, under the server's base URL (constants only: loaded at start-up)."""

API = "api/ai-personas"
AVATARS = f"{API}/avatars"
PERSONAS = f"{API}/personas"
PERMISSIONS = f"{API}/permissions"
ANSWERS = f"{API}/answers"
STOP = f"{API}/stop"
SEND_NOW = f"{API}/send-now"
OPTIONS = f"{API}/options"
TRUST = f"{API}/trust"
CREDENTIALS = f"{API}/credentials"
SIGN_IN = f"{API}/sign-in"
MCP = f"{API}/mcp"
LAB = f"{API}/lab"  # JupyterLab pages' websocket

# Agents send their MCP session token in a header of the project's own, never in Authorization:
# under JupyterHub, Jupyter's auth would offer an Authorization token to the Hub first.
SESSION_HEADER = "X-AI-Personas-Session-Token"
