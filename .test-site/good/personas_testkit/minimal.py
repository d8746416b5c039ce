from jupyter_ai_personas import BaseAcpPersona, PersonaDefaults


class MinimalPersona(BaseAcpPersona):
    """The benchmarks' stdlib-only ACP agent."""

    defaults = PersonaDefaults(name="Minimal", description="A minimal ACP agent for benchmarks")
    agent_command = ["minimal-acp-agent"]
