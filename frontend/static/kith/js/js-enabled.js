// Loaded as the first thing in <body>: tells GOV.UK Frontend's CSS that JavaScript runs, so
// components style themselves for it. An external file, so the Content-Security-Policy needs
// no inline script.
document.body.className +=
  " js-enabled" +
  ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
