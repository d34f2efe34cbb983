// On a narrow screen the navigation folds behind a Menu button; without JavaScript it simply
// stays open. Escape closes it and returns to the button.
(function () {
  "use strict";
  var nav = document.querySelector(".main-nav");
  if (!nav) { return; }
  var button = nav.querySelector(".nav-toggle");
  nav.classList.add("js-nav");
  function show(open) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
  button.addEventListener("click", function () {
    show(button.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      show(false);
      button.focus();
    }
  });
})();
