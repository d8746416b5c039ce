from jupyter_ai_personas import BasePersona, PersonaDefaults


class EchoPersona(BasePersona):
    """Repeats the message: the smallest useful persona."""

    defaults = PersonaDefaults(name="Echo", description="Repeats what you say", avatar="🦜")

    async def process_message(self, message):
        await self.send_message(f"Echo: {self.prompt_text(message)}")
