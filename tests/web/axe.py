"""axe-core in Playwright: the WCAG 2.1 A and AA rules run on the page as the browser shows it.

    from tests.web.axe import assert_accessible
    assert_accessible(page)                     # the whole page
    assert_accessible(page, exclude=["#chart"]) # with a reason in the test, never to hide a failure

axe-core is vendored in tests/web/vendor/ (a test tool: pages never load it).
"""

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, include: str | None = None, exclude: list[str] | None = None) -> list[dict]:
    """The violations axe-core finds on ``page`` for the WCAG 2.1 A/AA rules."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script> element: the pages' own
        # Content-Security-Policy (script-src 'self', server/web/headers.py) stays on while axe runs.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    context = {"include": [include] if include else [[":root"]],
               "exclude": [[selector] for selector in exclude or []]}
    result = page.evaluate(
        """([context, tags]) => axe.run(context, {runOnly: {type: "tag", values: tags},
                                                  resultTypes: ["violations"]})""",
        [context, WCAG21_AA])
    return result["violations"]


def describe(violations: list[dict]) -> str:
    """One block per rule: its id, impact, help and each offending element with axe's summary."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} [{violation['helpUrl']}]")
        for node in violation["nodes"]:
            lines.append(f"  {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
            lines.append(f"      {summary}")
    return "\n".join(lines)


def assert_accessible(page, include: str | None = None, exclude: list[str] | None = None) -> None:
    """Fails with a readable list when axe-core finds any WCAG 2.1 A/AA violation on ``page``."""
    violations = axe_violations(page, include, exclude)
    assert not violations, f"axe-core: {len(violations)} rule(s) violated on {page.url}\n{describe(violations)}"
