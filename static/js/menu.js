// The main menu folds behind a "Menu" button on a narrow screen. Without this script
// the button stays hidden and the menu shows in full (wrapped), so nothing depends on
// it; with it, the header's "folds" class lets the stylesheet fold the menu below the
// width where it would wrap, and the button opens and closes it. Escape or a tap
// outside the menu closes it again.
document.querySelectorAll(".menu-toggle").forEach((button) => {
  const header = button.closest(".topbar");
  const menu = document.getElementById(button.getAttribute("aria-controls"));
  const set = (open) => {
    button.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("open", open);
  };
  header.classList.add("folds");
  button.hidden = false;
  button.addEventListener("click", () => set(button.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.classList.contains("open")) {
      set(false);
      button.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (menu.classList.contains("open") && !header.contains(event.target)) set(false);
  });
});
