// The main menu folds behind a "Menu" button on a narrow screen. Without this script
// the button stays hidden and the menu shows in full (wrapped), so nothing depends on
// it; with it, the header's "folds" class lets the stylesheet fold the menu below the
// width where it would wrap, and the button opens and closes it.
document.querySelectorAll(".menu-toggle").forEach((button) => {
  const header = button.closest(".topbar");
  const menu = document.getElementById(button.getAttribute("aria-controls"));
  header.classList.add("folds");
  button.hidden = false;
  button.addEventListener("click", () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("open", open);
  });
});
