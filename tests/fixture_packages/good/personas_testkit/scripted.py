from jupyter_ai_personas import PersonaDefaults
from jupyter_ai_personas.acp_client import BaseAcpPersona


class ScriptedPersona(BaseAcpPersona):
    """An ACP persona in a few lines: the process, sessions and permissions are inherited."""

    defaults = PersonaDefaults(name="Scripted", description="The tests' scripted ACP agent", avatar="🤖")
    agent_command = ["scripted-acp-agent"]
    agent_env = ["SCRIPTED_AGENT_STATE", "SCRIPTED_KEY", "SCRIPTED_AGENT_MODE"]
    install_hint = "pip install tests/agents"
