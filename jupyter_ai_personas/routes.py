"""The extension's URL paths, under the server's base URL (constants only: loaded at start-up)."""

API = "api/ai-personas"
AVATARS = f"{API}/avatars"
PERSONAS = f"{API}/personas"
PERMISSIONS = f"{API}/permissions"
ANSWERS = f"{API}/answers"
STOP = f"{API}/stop"
TRUST = f"{API}/trust"
CREDENTIALS = f"{API}/credentials"
SIGN_IN = f"{API}/sign-in"
MCP = f"{API}/mcp"
LAB = f"{API}/lab"  # JupyterLab pages' websocket
