// LTI Dynamic Registration 1.0, section 3.7: tell the LMS the registration is finished so it
// closes its registration window (an iframe, or a window it opened).
(function () {
  "use strict";
  var done = document.getElementById("registration-done");
  if (!done) { return; }
  var target = window.opener || window.parent;
  if (target && target !== window) {
    target.postMessage({ subject: done.getAttribute("data-close-message") }, "*");
  }
})();
