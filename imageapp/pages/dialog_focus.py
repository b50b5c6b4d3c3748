"""Python handles on assets/dialog_focus.js: the focus goes back where it was when a dialog
closes (Radix gives it to its Trigger, and these dialogs open from the server, without one)."""

from __future__ import annotations

from typing import Any

from reflex.vars import FunctionStringVar, VarData

LIBRARY = "$/public/dialog_focus.js"


def _function(name: str) -> FunctionStringVar[Any]:
    return FunctionStringVar.create(name, _var_data=VarData(imports={LIBRARY: [name]}))


# For a dialog's content: on_open_auto_focus / on_close_auto_focus.
remember_opener = _function("rememberOpener")
give_focus_back = _function("giveFocusBack")
# First in the confirming button's on_click: afterwards the focus goes to the page heading.
mark_confirmed = _function("markConfirmed")


def focus_returning() -> dict[str, Any]:
    """The props of a dialog's content that give the focus back when it closes."""
    return {"on_open_auto_focus": remember_opener, "on_close_auto_focus": give_focus_back}
