// The GOV.UK timeout warning. A signed-in session ends after a while without use
// (config.security); two minutes before, a dialog says so and offers to stay signed in.
// Before warning, and again before ending, it asks the server how long is really left, so a
// session kept alive in another tab is never warned about or ended here.
export function watchSessionTimeout() {
  const dialog = document.getElementById("kith-timeout");
  if (!dialog || typeof dialog.showModal !== "function") return;

  const warnMs = (Number(dialog.dataset.warnSeconds) || 120) * 1000;
  const countdown = dialog.querySelector("[data-countdown]");
  const announcer = dialog.querySelector("[data-announce]");
  const form = dialog.querySelector("form");
  // The session was used when this page was asked for; the server notes use at most once a
  // minute, so count from a minute earlier, and never past the session's absolute end.
  const idle = Number(dialog.dataset.idleSeconds) - Number(dialog.dataset.seenResolution);
  let deadline = Math.min(Date.now() + idle * 1000, Number(dialog.dataset.endsAt) * 1000);
  let timer = null;
  let lastAnnounced = null;

  const words = (seconds) => {
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60);
      // Welsh says "2 funud" but "3 munud": two has a form of its own, as one has.
      if (minutes === 1) return dialog.dataset.oneMinute;
      if (minutes === 2) return dialog.dataset.twoMinutes;
      return dialog.dataset.minutes.replace("{n}", minutes);
    }
    return seconds === 1 ? dialog.dataset.oneSecond : dialog.dataset.seconds.replace("{n}", seconds);
  };

  const secondsLeft = async () => {
    try {
      const response = await fetch(dialog.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const body = await response.json();
      return body.signed_in ? body.seconds_left : 0;
    } catch {
      return null; // offline for a moment: keep counting on what we knew
    }
  };

  const schedule = (fn, ms) => {
    clearTimeout(timer);
    timer = setTimeout(fn, Math.max(0, ms));
  };

  const refresh = async () => {
    const seconds = await secondsLeft();
    if (seconds !== null) deadline = Date.now() + seconds * 1000;
  };

  const tick = async () => {
    const seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    if (seconds <= 0) {
      const left = await secondsLeft();
      if (left !== null && left > 0) {
        // The server counts whole seconds from the last use it noted: keep counting down
        // until it says the time is up (or, used in another tab, stop warning).
        deadline = Date.now() + left * 1000;
        if (left * 1000 > warnMs + 5000) return watch();
        schedule(tick, 1000);
        return;
      }
      // Ended (or the server cannot be asked): opening the page again shows why, and asks
      // to sign in.
      window.location.assign(window.location.pathname + window.location.search);
      return;
    }
    countdown.textContent = words(seconds);
    const step = seconds > 60 ? 30 : 15;
    const announce = Math.ceil(seconds / step);
    if (announce !== lastAnnounced) {
      lastAnnounced = announce;
      announcer.textContent = `${dialog.querySelector("#kith-timeout-text").textContent}`;
    }
    schedule(tick, 1000);
  };

  const warn = async () => {
    await refresh();
    if (deadline - Date.now() > warnMs + 5000) return watch(); // used in another tab
    if (!dialog.open) dialog.showModal();
    lastAnnounced = null;
    tick();
  };

  const watch = () => {
    if (dialog.open) dialog.close();
    schedule(warn, deadline - Date.now() - warnMs);
  };

  const stay = async () => {
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const body = await response.json();
      if (body.signed_in) deadline = Date.now() + body.seconds_left * 1000;
      watch();
    } catch {
      form.submit(); // the plain form keeps the session and comes back here
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    stay();
  });
  // Closing the dialog with Escape counts as staying signed in (GOV.UK pattern).
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    stay();
  });
  watch();
}
