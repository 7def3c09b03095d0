// Start GOV.UK Frontend's components (error summary focus, radios, notification banners…).
// Every page works without this script; it only improves them.
import { initAll } from "../../vendor/govuk-frontend/govuk-frontend.min.js";

initAll();
