// Inside an LMS iframe, check that this browser keeps our cookies before starting the sign-in;
// when it does not (third-party cookies blocked), offer a new window instead of failing silently.
// A login through the LMS's platform storage runs this only when the LMS page does not answer.
(function () {
  "use strict";
  var box = document.getElementById("cookie-check");
  if (!box) { return; }

  function check() {
    var name = "imr_cookie_check";
    var attributes = location.protocol === "https:" ? "; Secure; SameSite=None" : "; SameSite=Lax";
    document.cookie = name + "=1; path=/" + attributes;
    var kept = document.cookie.indexOf(name + "=1") !== -1;
    document.cookie = name + "=; path=/; max-age=0" + attributes;
    if (kept) {
      window.location.replace(box.getAttribute("data-authorise-url"));
      return;
    }
    document.getElementById("cookie-check-status").textContent =
      "Your browser does not allow IMR Academy to sign you in inside this page.";
    document.getElementById("cookie-check-blocked").hidden = false;
  }

  window.imrCookieCheck = check;
  if (!box.hasAttribute("data-wait-for-storage")) { check(); }
})();
