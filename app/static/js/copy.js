// Copy buttons on the LMS setup values: shown only where the clipboard is available, so without
// JavaScript the values remain plain, selectable text.
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  var status = document.querySelector(".copy-status");
  document.querySelectorAll(".copy-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var value = document.getElementById(button.getAttribute("data-copy-target")).textContent;
      navigator.clipboard.writeText(value).then(function () {
        if (status) { status.textContent = "Copied: " + button.getAttribute("aria-label").replace("Copy ", ""); }
      });
    });
  });
})();
