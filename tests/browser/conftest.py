"""Helpers for the Playwright tests: axe-core (vendored), policy violations, keyboard focus,
screenshots."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# Set CQR_SHOTS=/some/dir to save full-page screenshots while the tests run.
SHOTS = os.environ.get("CQR_SHOTS")


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def axe_violations(
    page: Any, impacts: frozenset[str] = frozenset({"serious", "critical"})
) -> list[dict[str, Any]]:
    """axe-core violations of the current page with one of `impacts` (by default serious
    and critical)."""
    # Evaluated through the DevTools protocol: the page's CSP (no inline scripts) stays on.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


# Run in every document before its own scripts (through the DevTools protocol, so the
# policy does not block it): the page's Content Security Policy violations, as they happen.
_WATCH_POLICY = """
window.cqrPolicyViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.cqrPolicyViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`
));
"""


def watch_policy_violations(context: Any) -> None:
    """From now on, every page of `context` records its policy violations."""
    context.add_init_script(_WATCH_POLICY)


def policy_violations(page: Any) -> list[str]:
    """What the policy blocked in the current document so far (axe-core's own injected
    style counts too, so ask before running axe)."""
    return list(page.evaluate("window.cqrPolicyViolations || []"))


def tab_to(page: Any, selector: str, *, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has focus (fails after `limit`)."""
    for _ in range(limit):
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


@pytest.fixture
def context(context: Any) -> Any:
    context.set_default_timeout(8000)
    return context
