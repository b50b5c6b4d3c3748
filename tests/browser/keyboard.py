"""Driving a page with the keyboard alone: Tab to a control (as a person would, in the page's
own order), see its focus ring, check where the focus is."""

from __future__ import annotations

import pytest
from playwright.sync_api import FileChooser, Locator, Page

# Tab presses allowed to reach a control: a page's controls, not an endless cycle.
MAX_TABS = 80
# The element with the focus, or a parent within two levels (a Radix text field draws the
# ring on its root), or their ::before (a Radix checkbox), draws an outline of 2 px or more.
FOCUS_RING = """() => {
  for (let node = document.activeElement, depth = 0; node && depth < 3;
       node = node.parentElement, depth++) {
    for (const pseudo of [null, "::before"]) {
      const style = getComputedStyle(node, pseudo);
      if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) {
        return true;
      }
    }
  }
  return false;
}"""


def has_focus(target: Locator) -> bool:
    return bool(target.evaluate("element => element === document.activeElement"))


def focused_description(page: Page) -> str:
    return str(
        page.evaluate(
            "() => { const el = document.activeElement;"
            " return el ? el.outerHTML.slice(0, 200) : 'nothing'; }"
        )
    )


def tab_to(page: Page, target: Locator, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``target`` has the focus; fail if it never gets it."""
    target.wait_for(state="visible")
    for _ in range(MAX_TABS):
        if has_focus(target):
            assert page.evaluate(FOCUS_RING), (
                f"no visible focus ring on {focused_description(page)}"
            )
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    pytest.fail(f"{target} never got the focus in {MAX_TABS} Tab presses")


def file_chooser_from_key(page: Page, key: str) -> FileChooser:
    """Press ``key`` on the focused control and return the file chooser it opened.

    Listens first and lets Playwright switch chooser interception on (one round trip):
    `expect_file_chooser()` sends that switch without waiting, and Enter or Space opens the
    chooser during keydown, sometimes sooner than the switch lands (then no event ever comes).
    """
    choosers: list[FileChooser] = []

    def collect(chooser: FileChooser) -> None:
        choosers.append(chooser)

    page.on("filechooser", collect)
    try:
        page.evaluate("0")  # a round trip: the interception is on in the browser
        page.keyboard.press(key)
        for _ in range(100):
            if choosers:
                return choosers[0]
            page.wait_for_timeout(100)
    finally:
        page.remove_listener("filechooser", collect)
    pytest.fail(f"{key} on {focused_description(page)} opened no file chooser")
