// Collects every error of the page from the first moment, for the self-test
// (#selftest): uncaught exceptions, rejected promises and console.error.
"use strict";
window.adlabErrors = [];
window.addEventListener("error", function (event) {
  window.adlabErrors.push("error: " + event.message + " (line " + event.lineno + ")");
});
window.addEventListener("unhandledrejection", function (event) {
  window.adlabErrors.push("unhandled rejection: " + event.reason);
});
(function () {
  const original = console.error;
  console.error = function () {
    window.adlabErrors.push("console.error: " + Array.from(arguments).join(" "));
    return original.apply(console, arguments);
  };
})();
// After loading: if the self-test could not run (the page's script failed),
// say so; either way, report the errors raised since it ran.
window.addEventListener("load", function () {
  if (location.hash !== "#selftest") {
    return;
  }
  let result = document.getElementById("adlab-selftest");
  if (!result) {
    result = document.createElement("pre");
    result.id = "adlab-selftest";
    result.textContent = "selftest did-not-run\n";
    document.body.appendChild(result);
  }
  const seen = Number(result.dataset.errorsSeen || 0);
  const late = window.adlabErrors.slice(seen).map(function (message) {
    return "error " + message.replace(/\s+/g, " ") + "\n";
  });
  result.textContent += late.join("");
});
