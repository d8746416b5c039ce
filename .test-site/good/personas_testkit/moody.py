from jupyter_ai_personas import BasePersona, PersonaDefaults


class MoodyPersona(BasePersona):
    """prepare() fails the first time only: the runtime must retry it on the next turn."""

    defaults = PersonaDefaults(name="Moody", description="Slow to get ready")
    attempts = 0

    async def prepare(self):
        type(self).attempts += 1
        if type(self).attempts == 1:
            raise RuntimeError("not in the mood yet")

    async def process_message(self, message):
        await self.send_message(f"Moody is ready after {type(self).attempts} attempts")
