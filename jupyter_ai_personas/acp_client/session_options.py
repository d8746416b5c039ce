"""SessionOptions: an ACP session's modes and config options, kept as the agent reports them.

The spec's `model` and `mode` are applied through them at every session start (a resumed
session may come back in another mode), and the mode is then checked: the runtime, not the
agent's default, decides whether the agent asks before it acts. An agent left in a mode
that skips asking is reported (`consent_problem`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from acp.schema import ConfigOptionUpdate, CurrentModeUpdate

from ..trust import SKIP_ASKING_MODES
from .setup import SessionSetup, pick_option


class SessionOptions:
    def __init__(self) -> None:
        self.config_options: list[Any] = []
        self.modes: list[tuple[str, str]] = []  # (id, name)
        self.mode_id: str | None = None
        self.consent_problem: str | None = None  # why the agent may act without asking
        self._asked: tuple[str | None, str | None] = (None, None)  # (the spec's mode, its id)

    # -- what the agent reports ----------------------------------------------------------
    def remember(self, response: Any) -> None:
        """From a session/new, load or resume response (or a set_config_option answer)."""
        if response is None:
            return
        modes = getattr(response, "modes", None)
        if modes is not None:
            self.modes = [(m.id, m.name) for m in modes.available_modes]
            self.mode_id = modes.current_mode_id
        options = getattr(response, "config_options", None)
        if options:
            self.config_options = list(options)

    def on_update(self, update: Any) -> bool:
        """Take a mode or option change; True when the update was one."""
        match update:
            case CurrentModeUpdate():
                self.mode_id = update.current_mode_id
            case ConfigOptionUpdate():
                self.config_options = list(update.config_options or self.config_options)
            case _:
                return False
        self.consent_problem = self._check_mode(*self._asked)  # the agent may change its mode itself
        return True

    def option(self, category: str) -> Any | None:
        return next(
            (o for o in self.config_options if category in (o.id, getattr(o, "category", None))), None
        )

    def current_model(self) -> str | None:
        option = self.option("model")
        value = getattr(option, "current_value", None) if option is not None else None
        return str(value) if value is not None else None

    def choices(self) -> list[dict[str, Any]]:
        """The model and mode a person can pick, with the agent's offer and its current value."""
        found = []
        for category in ("model", "mode"):
            option = self.option(category)
            if option is not None:
                offered = [
                    (c.value, c.name) for c in getattr(option, "options", []) or [] if hasattr(c, "value")
                ]
                current = getattr(option, "current_value", None)
                name = getattr(option, "name", category)
            elif category == "mode" and self.modes:
                offered, current, name = list(self.modes), self.mode_id, "Mode"
            else:
                continue
            if offered:
                choices = [{"value": value, "name": label} for value, label in offered]
                found.append({"category": category, "name": name, "current": current, "choices": choices})
        return found

    def current_mode(self) -> str | None:
        option = self.option("mode")
        if option is not None:
            return getattr(option, "current_value", None)
        return self.mode_id

    # -- applying the spec ---------------------------------------------------------------
    async def apply(
        self, connection: Any, session_id: str, setup: SessionSetup, note: Callable[[str], None]
    ) -> None:
        """Set the spec's model and mode (when the agent is not there already), then check the mode."""
        wanted_mode: str | None = None
        for wanted, category in ((setup.model, "model"), (setup.mode, "mode")):
            if not wanted:
                continue
            option = self.option(category)
            if option is not None:
                offered = _offered(option)
                value = pick_option(offered, wanted)
                if value is None:
                    note(
                        f"`{category}: {wanted}` is not offered by the agent "
                        f"(it offers {', '.join(v for v, _ in offered)})."
                    )
                elif value != getattr(option, "current_value", None):
                    response = await connection.set_config_option(
                        config_id=option.id, session_id=session_id, value=value
                    )
                    self.remember(response)
                if category == "mode":
                    wanted_mode = value
            elif category == "mode" and self.modes:
                mode = pick_option(self.modes, wanted)
                if mode is None:
                    note(f"`mode: {wanted}` is not a mode of the agent.")
                elif mode != self.mode_id:
                    await connection.set_session_mode(session_id=session_id, mode_id=mode)
                    self.mode_id = mode
                wanted_mode = mode
        self._asked = (setup.mode, wanted_mode)
        self.consent_problem = self._check_mode(setup.mode, wanted_mode)

    def _check_mode(self, asked: str | None, wanted: str | None) -> str | None:
        current = self.current_mode()
        if asked and wanted is None:
            return f"it has no mode `{asked}`, so it may act without asking"
        if wanted is not None and current is not None and current != wanted:
            return f"it stayed in mode `{current}` (asked for `{wanted}`), so it may act without asking"
        if current is not None and current.lower() in SKIP_ASKING_MODES:
            return f"its mode `{current}` acts without asking"
        return None


def _offered(option: Any) -> list[tuple[str, str]]:
    """The (value, name) pairs of a select config option (groups left out)."""
    return [(c.value, c.name) for c in getattr(option, "options", []) or [] if hasattr(c, "value")]
