"""REST handlers of the extension, all behind Jupyter's authentication.

GET  {base}api/ai-personas/avatars/<persona id>      a persona's avatar
GET  {base}api/ai-personas/personas?chat=<path>      the personas of a chat and their state
POST {base}api/ai-personas/permissions               answer a permission request
POST {base}api/ai-personas/stop                      stop replies in a chat
POST {base}api/ai-personas/send-now                  send a waiting message into the turn under way
POST {base}api/ai-personas/answers                   answer a persona's question
POST {base}api/ai-personas/trust                     trust a persona file's content
GET  {base}api/ai-personas/credentials               agents' credential variables (never values)
PUT|DELETE {base}api/ai-personas/credentials/<NAME>  set or remove one
"""

from __future__ import annotations

import json
import mimetypes
from html import escape
from typing import TYPE_CHECKING, Any, Protocol, cast

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

if TYPE_CHECKING:
    from pydantic import BaseModel

    from .manager import PersonaEntry
    from .router.chat_router import ChatRouter
    from .router.chat_session import ChatSession
    from .runtime import Runtime
    from .turns import Turn


class RuntimeHost(Protocol):
    """The extension as its routes see it (`PersonasExtension` is one)."""

    router: ChatRouter | None

    async def wait_for_runtime(self) -> Runtime: ...


class RuntimeRoute(ExtensionHandlerMixin, JupyterHandler):
    """A route that needs the runtime: it waits for it (503 if it failed to start)."""

    _runtime: Runtime

    @property
    def host(self) -> RuntimeHost:
        return cast("RuntimeHost", self.extensionapp)

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        self._runtime = await self.host.wait_for_runtime()

    @property
    def runtime(self) -> Runtime:
        return self._runtime


class PersonasAPIHandler(RuntimeRoute, APIHandler):
    """A JSON route of the extension."""

    @property
    def router(self) -> ChatRouter:
        router = self.host.router
        assert router is not None  # built with the runtime
        return router

    def parse(self, model: type[BaseModel]) -> Any:
        try:
            return model.model_validate(json.loads(self.request.body or b"{}"))
        except ValueError as exc:  # pydantic's ValidationError is one
            raise web.HTTPError(400, f"invalid request body: {exc}") from exc

    def chat_session(self, path: str | None = None, chat_id: str | None = None) -> ChatSession:
        if chat_id:
            session = self.router.sessions.get(chat_id)
        elif path:
            session = self.router.session_for_path(path.lstrip("/"))
        else:
            raise web.HTTPError(400, "say which chat: `chat` (its path) or `chat_id`")
        if session is None:
            raise web.HTTPError(404, f"no open chat {chat_id or path}")
        return session

    def person(self) -> tuple[str, str]:
        user = self.current_user
        username = getattr(user, "username", None) or str(user)
        return username, getattr(user, "display_name", None) or getattr(user, "name", None) or username


class PermissionsHandler(PersonasAPIHandler):
    @web.authenticated
    async def post(self) -> None:
        from .api_models import PermissionAnswerBody
        from .permissions import PermissionAnswerError

        body = self.parse(PermissionAnswerBody)
        session = self.chat_session(body.chat, body.chat_id)
        username, name = self.person()
        try:
            answer = session.permissions.answer(body.request, body.option_id, by=name, username=username)
        except PermissionAnswerError as exc:
            raise web.HTTPError(409, str(exc)) from exc
        self.finish(json.dumps({"request": body.request, "answer": answer.model_dump(exclude_none=True)}))


class AnswersHandler(PersonasAPIHandler):
    @web.authenticated
    async def post(self) -> None:
        from .api_models import QuestionAnswerBody
        from .questions import QuestionAnswerError

        body = self.parse(QuestionAnswerBody)
        session = self.chat_session(body.chat, body.chat_id)
        username, name = self.person()
        try:
            session.questions.answer(
                body.question,
                by=name,
                text=body.text,
                values=body.values,
                action=body.action,
                username=username,
            )
        except QuestionAnswerError as exc:
            raise web.HTTPError(409, str(exc)) from exc
        self.finish(json.dumps({"question": body.question, "action": body.action}))


class WaitingMessageRoute(PersonasAPIHandler):
    def waiting_message(
        self, session: ChatSession, message_id: str, persona: str | None, what: str
    ) -> tuple[PersonaEntry, Turn]:
        """The persona a message waits for (a message mentioning several busy personas waits
        for each: `persona` picks one), if the caller sent it or owns the server."""
        manager = session.manager
        entry = manager.by_id_or_name(persona) if persona else None
        if persona and entry is None:
            raise web.HTTPError(404, f"no persona {persona} in this chat")
        found = manager.waiting(message_id, entry.definition.key if entry is not None else None)
        if found is None:
            raise web.HTTPError(404, "that message is not waiting (it may have started: stop the reply)")
        (entry, turn), owner = found, session.steering.owner
        if owner is not None and self.person()[0] not in (owner, turn.requester):
            raise web.HTTPError(403, f"Only {turn.requester}, who sent it, or {owner} may {what}.")
        return entry, turn


class SendNowHandler(WaitingMessageRoute):
    """A waiting message sent into the turn under way, for agents that take one (steering)."""

    @web.authenticated
    async def post(self) -> None:
        from .api_models import SendNowBody

        body = self.parse(SendNowBody)
        session = self.chat_session(body.chat, body.chat_id)
        entry, turn = self.waiting_message(session, body.message_id, body.persona, "send it now")
        if entry.runner is not None and turn in entry.runner.sending:
            raise web.HTTPError(409, "that message is being sent already")
        outcome = await session.manager.send_now(entry, turn)
        if outcome == "refused":
            raise web.HTTPError(
                409,
                f"{entry.name} takes no message during this turn (its agent does not, the turn has "
                "ended, or it is not one you asked for): it waits for its turn.",
            )
        self.finish(json.dumps({"sent": [entry.name], "confirmed": outcome == "injected"}))


class StopHandler(WaitingMessageRoute):
    @web.authenticated
    async def post(self) -> None:
        from .api_models import StopBody

        body = self.parse(StopBody)
        session = self.chat_session(body.chat, body.chat_id)
        username, _ = self.person()
        manager = session.manager
        if body.message_id:
            entry, _ = self.waiting_message(session, body.message_id, body.persona, "take it back")
            if entry.runner is not None:
                entry.runner.drop(body.message_id)
            self.finish(json.dumps({"stopped": [entry.name]}))
            return
        if body.persona:
            entry = manager.by_id_or_name(body.persona)
            if entry is None:
                raise web.HTTPError(404, f"no persona {body.persona} in this chat")
            refused = session.steering.check(entry.definition.id, username)
            if refused:
                raise web.HTTPError(403, refused)
            stopped = await manager.stop(username, entry.definition.key)
        else:
            stopped = await manager.stop(username)
        self.finish(json.dumps({"stopped": stopped}))


class OptionsHandler(PersonasAPIHandler):
    @web.authenticated
    async def post(self) -> None:
        from .api_models import OptionBody

        body = self.parse(OptionBody)
        session = self.chat_session(body.chat, body.chat_id)
        entry = session.manager.by_id_or_name(body.persona)
        choose = getattr(entry.persona, "choose", None) if entry is not None else None
        if entry is None or not callable(choose):
            raise web.HTTPError(404, f"no agent persona {body.persona} in this chat")
        refused = session.steering.check(entry.definition.id, self.person()[0])
        if refused:
            raise web.HTTPError(403, refused)
        try:
            await choose(body.category, body.value)
        except ValueError as exc:
            raise web.HTTPError(409, str(exc)) from exc
        self.finish(json.dumps({"options": entry.persona.session_choices()}))  # type: ignore[union-attr]


class TrustHandler(PersonasAPIHandler):
    @web.authenticated
    async def post(self) -> None:
        from .api_models import TrustBody
        from .router.chat_router import TrustError

        body = self.parse(TrustBody)
        _, name = self.person()
        try:
            message = await self.router.trust_file(body.path, body.sha256, by=name)
        except TrustError as exc:
            raise web.HTTPError(409, str(exc)) from exc
        self.finish(json.dumps({"trusted": body.path, "message": message}))


class CredentialsHandler(PersonasAPIHandler):
    """Agents' keys set from JupyterLab: which variables each agent takes, and whether they are set."""

    @web.authenticated
    async def get(self) -> None:
        from .agent_credentials import describe_agents

        self.finish(json.dumps({"agents": await describe_agents(self.runtime)}))


class CredentialHandler(PersonasAPIHandler):
    @web.authenticated
    async def put(self, name: str) -> None:
        from .agent_credentials import set_credential
        from .api_models import CredentialBody
        from .credentials import CredentialError

        body = self.parse(CredentialBody)
        try:
            await set_credential(self.runtime, name, body.value)
        except CredentialError as exc:
            raise web.HTTPError(400, str(exc)) from exc
        self.finish(json.dumps({"name": name, "set": True}))

    @web.authenticated
    async def delete(self, name: str) -> None:
        from .agent_credentials import set_credential

        await set_credential(self.runtime, name, None)
        self.finish(json.dumps({"name": name, "set": False}))


class SignInHandler(PersonasAPIHandler):
    """An agent's own sign-ins (GET), and one started in a JupyterLab terminal (POST)."""

    async def _launch(self, persona: str) -> Any:
        merged = await self.runtime.catalog.personas_for(self.runtime.root_dir)
        definition = merged.active.get(persona.replace(" ", "-").lower().lstrip("@"))
        launch_for = getattr(definition.persona_class, "launch_for", None) if definition else None
        if definition is None or launch_for is None:
            raise web.HTTPError(404, f"no agent persona {persona}")
        try:
            return launch_for(definition, self.runtime)
        except ValueError as exc:
            raise web.HTTPError(409, str(exc)) from exc

    @web.authenticated
    async def get(self) -> None:
        from .agent_sign_in import SignInError, offered_methods

        launch = await self._launch(self.get_query_argument("persona", ""))
        try:
            methods = await offered_methods(self.runtime, launch)
        except SignInError as exc:
            raise web.HTTPError(409, str(exc)) from exc
        described = [m.model_dump(include={"id", "name", "description"}) for m in methods]
        self.finish(json.dumps({"methods": described}))

    @web.authenticated
    async def post(self) -> None:
        from .agent_sign_in import SignInError, offered_methods, open_terminal, sign_in_command
        from .api_models import SignInBody

        body = self.parse(SignInBody)
        launch = await self._launch(body.persona)
        try:
            methods = await offered_methods(self.runtime, launch)
            method = next((m for m in methods if m.id == body.method), None)
            if method is None:
                raise SignInError(f"the agent offers no sign-in {body.method!r}")
            terminal = open_terminal(self.runtime.serverapp, sign_in_command(launch, method))
        except SignInError as exc:
            raise web.HTTPError(409, str(exc)) from exc
        self.finish(json.dumps({"terminal": terminal}))


class PersonasHandler(PersonasAPIHandler):
    @web.authenticated
    async def get(self) -> None:
        path = self.get_query_argument("chat", "")
        chat_id = self.get_query_argument("chat_id", "")
        session = self.chat_session(path, chat_id) if path or chat_id else None
        if session is None:
            merged = await self.runtime.catalog.personas_for(self.runtime.root_dir)
            personas = [_describe(self.runtime, d, None, False) for d in merged.active.values()]
        else:
            merged = session.manager.merged
            personas = []
            for entry in session.manager.entries.values():
                session.manager.refresh_availability(entry)
                busy = bool(entry.runner and entry.runner.busy)
                described = _describe(self.runtime, entry.definition, entry.unavailable, busy, entry.needs)
                consent = getattr(entry.persona, "consent_state", None)
                described["consent"] = consent() if callable(consent) and not entry.unavailable else None
                own = getattr(entry.persona, "agent_commands", None)  # what its agent announced
                announced = own() if callable(own) else []
                described["commands"] = [{"name": n, "description": d} for n, d in announced]
                choices = getattr(entry.persona, "session_choices", None)  # model and mode to pick
                described["options"] = choices() if callable(choices) else []
                personas.append(described)
        untrusted = [
            {"path": u.label, "sha256": u.sha256, "reasons": list(u.reasons), "command": u.command()}
            for u in merged.untrusted
        ]
        commands = [
            {"name": c.name, "usage": c.usage, "description": c.summary} for c in self.router.commands.all()
        ]
        self.finish(json.dumps({"personas": personas, "untrusted": untrusted, "commands": commands}))


def _describe(
    runtime: Runtime, definition: Any, unavailable: str | None, busy: bool, needs: str | None = None
) -> dict[str, Any]:
    user = runtime.persona_user(definition)
    return {
        "id": definition.id,
        "name": definition.name,
        "mention_name": definition.mention_name,
        "description": definition.description,
        "avatar_url": user.avatar_url,
        "source": definition.source.label,
        "available": unavailable is None,
        "unavailable_reason": unavailable,
        "needs": needs,
        "working": busy,
    }


class AvatarHandler(RuntimeRoute):
    """A persona's avatar: its image file, or its emoji drawn as SVG."""

    @web.authenticated
    async def get(self, persona_id: str) -> None:
        definition = self.runtime.catalog.find(persona_id)
        if definition is None:
            raise web.HTTPError(404, "no such persona")
        self.set_header("Cache-Control", "private, max-age=86400")
        if definition.avatar_path is not None:
            try:
                data = definition.avatar_path.read_bytes()
            except OSError as exc:
                raise web.HTTPError(404, "avatar file is missing") from exc
            kind = mimetypes.guess_type(definition.avatar_path.name)[0] or "application/octet-stream"
            self.set_header("Content-Type", kind)
            if kind == "image/svg+xml":
                # an SVG from a persona folder must not run scripts in Lab's origin
                self.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
            self.finish(data)
            return
        if not definition.avatar:
            raise web.HTTPError(404, "this persona has no avatar")
        self.set_header("Content-Type", "image/svg+xml")
        self.finish(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
            '<text x="32" y="36" font-size="44" text-anchor="middle" dominant-baseline="middle">'
            f"{escape(definition.avatar)}</text></svg>"
        )
