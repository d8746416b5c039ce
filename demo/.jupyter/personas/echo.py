"""A persona in a few lines: drop a file like this into .jupyter/personas/ and mention it."""

from jupyter_ai_personas import BasePersona, PersonaDefaults


class Echo(BasePersona):
    defaults = PersonaDefaults(name="Echo", description="Repeats what you say", avatar="🦜")

    async def process_message(self, message):
        words = self.prompt_text(message).split()

        async def chunks():
            for word in words:
                yield word + " "

        await self.stream_message(chunks())
