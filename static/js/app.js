// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
  // Ask before destructive actions (buttons styled as danger).
  document.querySelectorAll("form button.danger").forEach((button) => {
    button.form.addEventListener("submit", (event) => {
      if (!window.confirm(button.textContent.trim() + "?")) event.preventDefault();
    });
  });
});
