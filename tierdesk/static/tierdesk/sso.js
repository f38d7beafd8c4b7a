/* Single sign-on: an organisation's sign-in page reached from the email form goes on to
   the organisation's identity provider at once. A followed link, not a form: the CSP's
   form-action keeps form submissions (and their redirects) on this site. Without
   JavaScript the person presses the same link. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var link = document.querySelector("a[data-auto-follow]");
    if (link) { window.location.assign(link.href); }
  });
})();
