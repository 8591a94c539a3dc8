// "Select all" for a list of checkboxes (the approval queue): a checkbox with
// data-select-all="NAME" ticks or clears every checkbox named NAME, and follows them
// (ticked when all are, mixed when some are). A static file, as the site's
// Content-Security-Policy allows no inline script; without it each box still works.
document.querySelectorAll("input[data-select-all]").forEach((all) => {
  const boxes = () => document.querySelectorAll(`input[name="${all.dataset.selectAll}"]`);
  const follow = () => {
    const ticked = [...boxes()].filter((box) => box.checked).length;
    all.checked = ticked > 0 && ticked === boxes().length;
    all.indeterminate = ticked > 0 && ticked < boxes().length;
  };
  all.addEventListener("change", () => {
    boxes().forEach((box) => { box.checked = all.checked; });
    follow();
  });
  boxes().forEach((box) => box.addEventListener("change", follow));
});
