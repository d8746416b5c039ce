import asyncio
import re

from jupyter_ai_personas import BasePersona, PersonaDefaults


class StreamerPersona(BasePersona):
    """Streams numbered words: `@Streamer 40 0.05` sends 40 chunks, one every 50 ms."""

    defaults = PersonaDefaults(name="Streamer", description="Streams a long reply", avatar="avatar.svg")

    async def process_message(self, message):
        numbers = re.findall(r"\d+(?:\.\d+)?", self.prompt_text(message))
        count = int(numbers[0]) if numbers else 20
        delay = float(numbers[1]) if len(numbers) > 1 else 0.02
        wait = float(numbers[2]) if len(numbers) > 2 else 0.0

        async def chunks():
            if wait:
                await asyncio.sleep(wait)  # thinking before the first chunk
            for index in range(count):
                yield f"w{index} "
                await asyncio.sleep(delay)
            yield "[done]"

        await self.stream_message(chunks())
