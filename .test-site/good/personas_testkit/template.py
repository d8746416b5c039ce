from jupyter_ai_personas import BasePersona, PersonaDefaults


class TemplatePersona(BasePersona):
    """Answers with its instructions, `{prompt}` replaced: markdown specs give it a voice."""

    defaults = PersonaDefaults(name="Template", system_prompt="You said: {prompt}")

    async def process_message(self, message):
        await self.send_message(self.instructions.replace("{prompt}", self.prompt_text(message)))
