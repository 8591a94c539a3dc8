// A tap shows what hovering shows. The pages explain a figure in a title (a week's
// billable split, a chart bar's value, an abbreviation), which a mouse reveals on hover
// and a touch screen never does. A tap (or a click) on such an element, or on anything
// inside it, shows the nearest such text in a small box under it (above it when there is
// no room below) that follows it when the page or its table scrolls; a tap elsewhere or
// Escape puts it away. A static file: the
// Content-Security-Policy allows no inline script, and the box is placed through the
// CSSOM, which the policy allows.
(() => {
  let tip = null;
  let shown = null; // the element whose text the box shows

  // The title of the element, or of an SVG shape its <title> child.
  const textOf = (element) => {
    if (element.hasAttribute("title")) return element.getAttribute("title");
    const title = element.querySelector(":scope > title");
    return title ? title.textContent : "";
  };

  // The nearest element from the tapped one up (inside <main>) that explains itself.
  const explained = (target) => {
    for (let element = target; element && element.closest("main"); element = element.parentElement) {
      if (textOf(element)) return element;
    }
    return null;
  };

  const hide = () => {
    if (tip) tip.hidden = true;
    shown = null;
  };

  const show = (element) => {
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "tip";
      tip.setAttribute("role", "status");
      document.body.append(tip);
    }
    tip.textContent = textOf(element);
    tip.hidden = false;
    shown = element;
    place(element);
  };

  const place = (element) => {
    const target = element.getBoundingClientRect();
    const room = document.documentElement.clientWidth;
    const left = Math.min(
      Math.max(8, target.left + target.width / 2 - tip.offsetWidth / 2),
      room - tip.offsetWidth - 8,
    );
    const below = target.bottom + 6 + tip.offsetHeight <= window.innerHeight;
    const top = below ? target.bottom + 6 : target.top - 6 - tip.offsetHeight;
    tip.style.left = `${left + window.scrollX}px`;
    tip.style.top = `${Math.max(0, top + window.scrollY)}px`;
  };

  document.addEventListener("click", (event) => {
    const element = event.target.closest("a, button, input, select, textarea, label")
      ? null
      : explained(event.target);
    if (element) show(element);
    else hide();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") hide();
  });
  // A table scrolled sideways (or the page) moves the element: the box follows it, and
  // goes once the element has left the screen.
  document.addEventListener(
    "scroll",
    () => {
      if (!shown) return;
      const box = shown.getBoundingClientRect();
      const gone = box.right < 0 || box.left > window.innerWidth
        || box.bottom < 0 || box.top > window.innerHeight;
      if (gone) hide();
      else place(shown);
    },
    { capture: true, passive: true },
  );
})();
