"""A persona that streams a fixed markdown reply at a fixed pace, for the benchmarks."""

import asyncio
import time

from jupyter_ai_personas import BasePersona, PersonaDefaults


def reply_text(size: int = 20_000) -> str:
    """Markdown that looks like a model's answer: paragraphs, a list and code blocks."""
    parts, index = [], 0
    while sum(len(p) for p in parts) < size:
        index += 1
        if index % 5 == 0:
            lines = [f"def step_{index}_{n}(frame):\n    return frame.dropna().describe()" for n in range(4)]
            parts.append("```python\n" + "\n\n".join(lines) + "\n```\n\n")
        elif index % 3 == 0:
            parts.append("".join(f"- point {index}.{n}: the residuals stay small\n" for n in range(5)) + "\n")
        else:
            words = " ".join(f"word{(index * 7 + n) % 97}" for n in range(55))
            parts.append(f"Paragraph {index}. {words}.\n\n")
    return "".join(parts)[:size]


class BenchPersona(BasePersona):
    """`@Bench coalesced 2000 100` streams 20 KB as 2,000 chunks at 100 chunks/s."""

    defaults = PersonaDefaults(name="Bench", description="Streams a benchmark reply")

    async def process_message(self, message):
        words = self.prompt_text(message).split()
        mode = words[0] if words else "coalesced"
        chunks = int(words[1]) if len(words) > 1 else 2000
        rate = float(words[2]) if len(words) > 2 else 100.0
        text = reply_text()
        size = len(text) // chunks
        pieces = [text[i * size : (i + 1) * size] for i in range(chunks - 1)]
        pieces.append(text[(chunks - 1) * size :])
        start = time.monotonic()
        if mode == "naive":
            # what Jupyter AI v3 does: every chunk rewrites the whole message body
            body, message_id = "", None
            for index, piece in enumerate(pieces):
                body += piece
                if message_id is None:
                    message_id = await self.send_message(body)
                else:
                    self.chat.update(message_id, body=body)
                await asyncio.sleep(max(0.0, start + (index + 1) / rate - time.monotonic()))
            return
        stream = self.open_stream()
        for index, piece in enumerate(pieces):
            stream.write(piece)
            await asyncio.sleep(max(0.0, start + (index + 1) / rate - time.monotonic()))
        stream.close()
