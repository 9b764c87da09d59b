"""axe-core for the accessibility tests: pinned, fetched with npm and cached by hash like the
served assets, never committed and never served (the tests inject it into the page)."""

from buildtools.assets import Asset, Package, fetch

#: axe-core's minified build from its npm package (MPL-2.0).
AXE = Asset("axe.min.js", "e9e5863c33a874f09bc01acd9234b7e3c871479f5eef8802fa582544465e6d01",
            Package("npm", "axe-core@4.11.0", "39bed7d72308f6d620789c169d699bfd7e8da80f65b545821a6b2215c3e83107"),
            "package/axe.min.js")
#: The rules run: WCAG 2.0-2.2 A and AA, as axe tags them.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def run_axe(page):
    """axe's violations on the page as it is now: [{id, impact, help, nodes: [selector, …]}]."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Through DevTools: the page's CSP (script-src 'self') rightly refuses an inline script.
        cdp = page.context.new_cdp_session(page)
        cdp.send("Runtime.evaluate", {"expression": fetch(AXE).read_text(encoding="utf-8")})
        cdp.detach()
    return page.evaluate("""async (tags) => {
        const { violations } = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
        return violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                         nodes: v.nodes.map((n) => n.target.join(' ')) }));
    }""", WCAG_TAGS)


def serious(violations):
    """The violations that fail the tests: serious or critical."""
    return [v for v in violations if v["impact"] in ("serious", "critical")]
