// A tap shows what hovering shows. The pages explain a figure in a title (a week's
// billable split, a chart bar's value, an abbreviation), which a mouse reveals on hover
// and a touch screen never does. A tap (or a click, or Enter on a focused element)
// on such an element shows the same text in a small box beside it; a tap elsewhere, or
// Escape, puts it away. A static file: the Content-Security-Policy allows no inline
// script, and the box is placed through the CSSOM, which the policy allows.
(() => {
  const TIPPED = "main [title], main svg [data-tip], main svg rect";
  let tip = null;

  const textOf = (element) => {
    if (element.hasAttribute("title")) return element.getAttribute("title");
    const title = element.querySelector(":scope > title");
    return title ? title.textContent : "";
  };

  const hide = () => {
    if (tip) tip.hidden = true;
  };

  const show = (element) => {
    const text = textOf(element);
    if (!text) return;
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "tip";
      tip.setAttribute("role", "status");
      document.body.append(tip);
    }
    tip.textContent = text;
    tip.hidden = false;
    const target = element.getBoundingClientRect();
    const room = document.documentElement.clientWidth;
    const width = tip.offsetWidth;
    const left = Math.min(Math.max(8, target.left + target.width / 2 - width / 2), room - width - 8);
    tip.style.left = `${left + window.scrollX}px`;
    tip.style.top = `${target.bottom + window.scrollY + 6}px`;
  };

  document.addEventListener("click", (event) => {
    const element = event.target.closest(TIPPED);
    if (element && !event.target.closest("a, button, input, select, textarea, label")) {
      show(element);
    } else {
      hide();
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") hide();
    if (event.key === "Enter" && event.target.matches && event.target.matches(TIPPED)) {
      show(event.target);
    }
  });
})();
