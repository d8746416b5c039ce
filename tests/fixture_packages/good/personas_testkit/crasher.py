from jupyter_ai_personas import BasePersona, PersonaDefaults


class CrasherPersona(BasePersona):
    """Raises when asked to fail, answers otherwise."""

    defaults = PersonaDefaults(name="Crasher", description="Fails on demand")

    async def process_message(self, message):
        if "fail" in message.body:
            raise ValueError("kaboom on purpose")
        await self.send_message("Crasher is fine")
