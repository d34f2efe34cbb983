// Inside an LMS frame, ask the LMS to size the frame to the page (the lti.frameResize message
// Canvas, Moodle and others honour), once loaded and again whenever the page's height changes,
// so people scroll the course page and never a box inside it.
(function () {
  "use strict";
  if (window.parent === window) { return; }
  var sent = 0;
  function tell() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === sent) { return; }
    sent = height;
    window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
  }
  tell();
  if (window.ResizeObserver) {
    new ResizeObserver(tell).observe(document.documentElement);
  } else {
    window.addEventListener("resize", tell);
  }
})();
