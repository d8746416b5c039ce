from jupyter_ai_personas import BasePersona, PersonaDefaults


class PingPersona(BasePersona):
    defaults = PersonaDefaults(name="Ping", description="Always passes the ball to @Pong")

    async def process_message(self, message):
        await self.send_message("ping! @Pong your turn")


class PongPersona(BasePersona):
    defaults = PersonaDefaults(name="Pong", description="Always passes the ball back to @Ping")

    async def process_message(self, message):
        await self.send_message("pong! @Ping your turn")
