"""axe-core in the page under test: WCAG 2.0/2.1/2.2 A and AA plus best practices.

`make axe` installs axe-core from the npm registry into .tools/; Playwright injects its
``axe.min.js`` with ``add_script_tag`` and runs it in Chromium. Serious and critical
violations fail a test; moderate and minor ones are printed as a report.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.support.prod_server import PROJECT_ROOT

AXE_JS = PROJECT_ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
FAILING = ("critical", "serious")
# Dialogs and popovers fade in: colours are measured once every finite animation is over.
RUN = """async (tags) => {
  const finite = document.getAnimations().filter(
    (animation) => animation.effect?.getComputedTiming().iterations !== Infinity);
  await Promise.all(finite.map((animation) => animation.finished.catch(() => null)));
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.map((rule) => ({
    id: rule.id, impact: rule.impact, help: rule.help,
    nodes: rule.nodes.map((node) => ({
      target: node.target.join(" "), summary: node.failureSummary, html: node.html,
    })),
  }));
}"""


@dataclasses.dataclass(frozen=True)
class Violation:
    """One axe rule broken on one page, with the elements that break it."""

    page: str
    rule: str
    impact: str
    help: str
    nodes: list[dict[str, str]]

    def describe(self) -> str:
        lines = [f"[{self.impact}] {self.page}: {self.rule} ({self.help})"]
        for node in self.nodes[:8]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
            lines.extend(f"      {line}" for line in (node["summary"] or "").splitlines())
        if len(self.nodes) > 8:
            lines.append(f"    ... and {len(self.nodes) - 8} more elements")
        return "\n".join(lines)


@dataclasses.dataclass
class AxeAudit:
    """Checks page after page; ``finish`` fails on any serious or critical violation."""

    report_dir: Path
    violations: list[Violation] = dataclasses.field(default_factory=list)
    pages: list[str] = dataclasses.field(default_factory=list)

    def check(self, page: Page, name: str, *, hovering: bool = False) -> list[Violation]:
        """axe-core over the whole document as it is now (its state: a dialog open, ...).

        The pointer is moved out of the way first (the same colours on every run) unless
        the test put it on something on purpose (``hovering``).
        """
        if not hovering:
            page.mouse.move(0, 0)
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE_JS))
        found = [
            Violation(name, rule["id"], rule["impact"] or "minor", rule["help"], rule["nodes"])
            for rule in page.evaluate(RUN, TAGS)
        ]
        self.pages.append(name)
        self.violations.extend(found)
        page.screenshot(path=self.report_dir / f"{len(self.pages):02d}-{_slug(name)}.png")
        return found

    def finish(self) -> None:
        failing = [item for item in self.violations if item.impact in FAILING]
        reported = [item for item in self.violations if item.impact not in FAILING]
        summary = "\n".join(
            f"  {name}: {self._count(name, FAILING)} serious/critical, "
            f"{self._count(name, ('moderate', 'minor'))} moderate/minor"
            for name in self.pages
        )
        print(f"axe-core on {len(self.pages)} pages:\n{summary}")
        for item in reported:
            print(item.describe())
        (self.report_dir / "axe-violations.json").write_text(
            json.dumps([dataclasses.asdict(item) for item in self.violations], indent=2)
        )
        if failing:
            pytest.fail(
                f"{len(failing)} serious/critical axe violations:\n"
                + "\n".join(item.describe() for item in failing),
                pytrace=False,
            )

    def _count(self, name: str, impacts: tuple[str, ...]) -> int:
        return sum(1 for item in self.violations if item.page == name and item.impact in impacts)


def _slug(name: str) -> str:
    return "".join(char if char.isalnum() else "-" for char in name.lower()).strip("-")[:60]
