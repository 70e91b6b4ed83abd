// The keys page's only script: Copy buttons, and one-time secrets kept out
// of the back-forward cache. Without it the key is still plain text to
// select and copy by hand, so the buttons stay hidden.
"use strict";
(function () {
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http to a non-local address is not a secure context: fall back
    // to selecting a temporary text area.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "offscreen";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      ok ? resolve() : reject(new Error("copy refused"));
    });
  }
  // A new key or connection code is shown by one GET (post/redirect/get).
  // The browser may keep that page, no-store or not, in its back-forward
  // cache and show it again on Back: take the secret out as the page is
  // left, and on coming back ask the server, which says it was shown once.
  var oneTime = document.querySelectorAll("[data-one-time]");
  if (oneTime.length) {
    window.addEventListener("pagehide", function () {
      oneTime.forEach(function (el) { el.remove(); });
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) location.reload();
    });
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var status = document.getElementById(target.id + "-copied");
      copyText(target.textContent).then(function () {
        button.classList.add("done");
        if (status) status.textContent = "Copied to the clipboard";
      }, function () {
        if (status) status.textContent = "Could not copy: select the text and copy it by hand";
      });
    });
  });
})();
