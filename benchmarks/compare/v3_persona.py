"""The benchmarks' Minimal persona for Jupyter AI v3 (copied to `.jupyter/personas/minimal_persona.py`).

Jupyter AI v3 imports local persona files by their stem, so its id is
`jupyter-ai-personas::minimal_persona::MinimalAcpPersona`. The agent command comes from the
server's environment, so both runtimes run the very same agent program.
"""

import os

from jupyter_ai_acp_client.base_acp_persona import BaseAcpPersona
from jupyter_ai_persona_manager import PersonaDefaults

HERE = os.path.dirname(os.path.abspath(__file__))


class MinimalAcpPersona(BaseAcpPersona):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, executable=[os.environ["BENCH_AGENT_COMMAND"]], **kwargs)

    @property
    def defaults(self) -> PersonaDefaults:
        return PersonaDefaults(
            name="Minimal",
            description="The benchmarks' minimal ACP agent",
            avatar_path=os.path.join(HERE, "minimal.svg"),
            system_prompt="",
        )
