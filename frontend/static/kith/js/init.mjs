// Start GOV.UK Frontend's components (error summary focus, radios, notification banners…).
// Every page works without this script; it only improves them.
import { initAll } from "../../vendor/govuk-frontend/govuk-frontend.min.js";
// The warning before a signed-in session ends for lack of use.
import { watchSessionTimeout } from "./timeout.mjs";

initAll();
watchSessionTimeout();
