// Submit a launch form at once, as an LMS does after signing the launch message.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (form) { form.submit(); }
})();
