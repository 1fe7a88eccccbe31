"""What a person sees, measured in the page: scrolling, clipped text, controls off screen, overlaps.

Each function returns a list of findings (empty when all is well), so that a failing assertion says
which element is wrong and by how much. Only elements a person can see count.
"""

# Shared by the measurements: is this element drawn at all?
_VISIBLE = """
const visible = (el) => {
  if (!el.getClientRects().length) return false;
  // Also what a closed <details> holds: laid out, but hidden by content-visibility.
  if (el.checkVisibility && !el.checkVisibility({contentVisibilityAuto: false, visibilityProperty: true})) return false;
  for (let node = el; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (style.visibility === "hidden" || style.display === "none" || style.opacity === "0") return false;
    if (node.hidden) return false;
  }
  const rect = el.getBoundingClientRect();
  // A box of 1 px or less is the visually-hidden pattern: text for screen readers, not for the eye.
  return rect.width > 1 && rect.height > 1;
};
const label = (el) => {
  const id = el.id ? "#" + el.id : "";
  const cls = typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\\s+/).join(".") : "";
  const text = (el.innerText || el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 60);
  return `${el.tagName.toLowerCase()}${id}${cls} "${text}"`;
};
"""


def scrolling(page) -> list[str]:
    """The page scrolls: its document is taller or wider than the window."""
    return page.evaluate("""() => {
      const doc = document.documentElement;
      const found = [];
      if (doc.scrollHeight > innerHeight + 1) found.push(`page is ${doc.scrollHeight} px tall in a ${innerHeight} px window`);
      if (doc.scrollWidth > innerWidth + 1) found.push(`page is ${doc.scrollWidth} px wide in a ${innerWidth} px window`);
      return found;
    }""")


def clipped_text(page, within: str = "body") -> list[str]:
    """Text that does not fit its box: cut off by overflow, or sticking out of a box that keeps it.

    An element with its own text whose content is wider or taller than its box is clipped (when its
    overflow is hidden, or ends in an ellipsis) or spills over its neighbours (when it is visible).
    Scrolling boxes are left out: their content is reachable.
    """
    return page.evaluate("""(within) => {""" + _VISIBLE + """
      const found = [];
      for (const el of document.querySelectorAll(within + ", " + within + " *")) {
        if (!visible(el)) continue;
        const style = getComputedStyle(el);
        if (style.display === "inline" || el instanceof SVGElement) continue;
        if (["auto", "scroll"].includes(style.overflowY) || ["auto", "scroll"].includes(style.overflowX)) continue;
        const wide = el.scrollWidth - el.clientWidth, tall = el.scrollHeight - el.clientHeight;
        if (wide <= 1 && tall <= 1) continue;
        const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        // A box that cuts off what is in it (overflow hidden or clip) hides any text inside, its own
        // or its children's; a box of one pixel is the visually-hidden pattern, read by screen readers.
        const cuts = /hidden|clip/.test(style.overflowX + style.overflowY) && el.clientWidth > 1 && el.innerText.trim();
        if (ownText || cuts) found.push(`${label(el)} overflows its box by ${wide}×${tall} px`);
      }
      return found;
    }""", within)


def off_screen(page, selector: str = "a, button, input, select, textarea, [role=button], label") -> list[str]:
    """Controls that are not wholly inside the window (cut at an edge or below the screen)."""
    return page.evaluate("""(selector) => {""" + _VISIBLE + """
      const found = [];
      for (const el of document.querySelectorAll(selector)) {
        if (!visible(el)) continue;
        const r = el.getBoundingClientRect();
        if (r.left < -1 || r.top < -1 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1)
          found.push(`${label(el)} at ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)} in ${innerWidth}×${innerHeight}`);
      }
      return found;
    }""", selector)


def covered(page, selector: str = "a, button, input, select, textarea, [role=button]") -> list[str]:
    """Controls whose middle is under another element: a tap there would hit something else."""
    return page.evaluate("""(selector) => {""" + _VISIBLE + """
      const found = [];
      for (const el of document.querySelectorAll(selector)) {
        if (!visible(el)) continue;
        const r = el.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) continue;
        const top = document.elementFromPoint(x, y);
        if (top && top !== el && !el.contains(top) && !top.contains(el) && !(el.labels && [...el.labels].includes(top)))
          found.push(`${label(el)} is under ${label(top)}`);
      }
      return found;
    }""", selector)


def overlapping(page, selector: str) -> list[str]:
    """Pairs of the selected elements (for example a chart's labels) whose boxes overlap."""
    return page.evaluate("""(selector) => {""" + _VISIBLE + """
      const boxes = [...document.querySelectorAll(selector)].filter(visible)
        .map((el) => [el, el.getBoundingClientRect()]);
      const found = [];
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, ra] = boxes[i], [b, rb] = boxes[j];
          const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
          const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
          if (w > 1 && h > 1) found.push(`${label(a)} overlaps ${label(b)} by ${Math.round(w)}×${Math.round(h)} px`);
        }
      return found;
    }""", selector)


def fits(page, controls: str = "a, button, input, select, textarea, [role=button]") -> list[str]:
    """Everything a kiosk or a display needs: no scrolling, no clipped text, every control on screen."""
    return scrolling(page) + clipped_text(page) + off_screen(page, controls) + covered(page, controls)


def cut_off(page, selector: str) -> list[str]:
    """Selected elements (rows of a list, say) that are only partly seen: cut by the edge of a box
    that hides its overflow, or by the window. An element wholly hidden that way counts too, unless
    it is hidden on purpose (display: none, the hidden attribute)."""
    return page.evaluate("""(selector) => {""" + _VISIBLE + """
      const found = [];
      for (const el of document.querySelectorAll(selector)) {
        if (!visible(el)) continue;
        const r = el.getBoundingClientRect();
        let clip = {left: 0, top: 0, right: innerWidth, bottom: innerHeight}, by = "the window";
        for (let node = el.parentElement; node; node = node.parentElement) {
          const style = getComputedStyle(node);
          if (style.overflowX === "visible" && style.overflowY === "visible") continue;
          const b = node.getBoundingClientRect();
          if (r.left < b.left - 1 || r.top < b.top - 1 || r.right > b.right + 1 || r.bottom > b.bottom + 1) {
            clip = b; by = label(node); break;
          }
        }
        if (r.left < clip.left - 1 || r.top < clip.top - 1 || r.right > clip.right + 1 || r.bottom > clip.bottom + 1)
          found.push(`${label(el)} at ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)} is cut by ${by.slice(0, 80)} (${Math.round(clip.left)},${Math.round(clip.top)}–${Math.round(clip.right)},${Math.round(clip.bottom)})`);
      }
      return found;
    }""", selector)


def outside(page, selector: str, container: str) -> list[str]:
    """Selected elements that stick out of their nearest ``container`` ancestor (for example a
    chart's labels cut off at the edge of its SVG), which ``clipped_text`` does not see."""
    return page.evaluate("""([selector, container]) => {""" + _VISIBLE + """
      const found = [];
      for (const el of document.querySelectorAll(selector)) {
        if (!visible(el)) continue;
        const box = el.closest(container);
        if (!box) continue;
        const r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
        if (r.left < b.left - 1 || r.top < b.top - 1 || r.right > b.right + 1 || r.bottom > b.bottom + 1)
          found.push(`${label(el)} sticks out of ${label(box).slice(0, 40)} (${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)} in ${Math.round(b.left)},${Math.round(b.top)}–${Math.round(b.right)},${Math.round(b.bottom)})`);
      }
      return found;
    }""", [selector, container])


def broken_figures(page, within: str = "body") -> list[str]:
    """Numbers torn from their unit across a line break ("noin 27" | "min", "18" | "vapaata"), or
    from each other ("09" | "310 12345", a phone number).

    A figure is a number with the numbers and the word right after it, in one text node; its pieces
    on the screen (one rectangle per line) must all be on one line.
    """
    return page.evaluate("""(within) => {""" + _VISIBLE + """
      const found = [];
      const figure = /\\d[\\d.,:–-]*(?:[ \\u00a0]+\\d[\\d.,:–-]*)*(?:[ \\u00a0]+\\p{L}[\\p{L}.]*)?/gu;
      for (const root of document.querySelectorAll(within)) {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (!node.parentElement || !visible(node.parentElement)) continue;
          for (const match of node.textContent.matchAll(figure)) {
            if (!/[ \\u00a0]/.test(match[0])) continue;  // a number alone cannot break
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const tops = [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top));
            if (new Set(tops.map((t) => Math.round(t / 4))).size > 1)
              found.push(`"${match[0].replace(/\\s+/g, " ")}" breaks across lines in ${label(node.parentElement)}`);
          }
        }
      }
      return found;
    }""", within)


# --- live screens: measured once the first push (the whole state again) has replaced the page's parts

SWAPS = "document.addEventListener('live:swapped', () => { window.__swaps = (window.__swaps || 0) + 1; });"


def open_display(browser, url: str, size: tuple[int, int], reduced_motion: bool = False):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]},
                            reduced_motion="reduce" if reduced_motion else "no-preference")
    page.add_init_script(SWAPS)
    page.goto(url)
    settle(page)
    return page


def settle(page, swaps: int = 1) -> None:
    """The first live push has arrived (the server sends the whole state first), the fonts are in,
    and the browser has laid the page out again."""
    page.wait_for_function(f"() => (window.__swaps || 0) >= {swaps}", timeout=10_000)
    page.evaluate("() => document.fonts.ready")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
