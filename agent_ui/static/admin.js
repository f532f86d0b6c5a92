// The admin pages' uploads: a form marked data-upload is sent with the CSRF token in a header,
// so the server can stream a file larger than the app's 1 MB body limit to disk; the page the
// server answers with replaces the current content. Other admin forms are plain HTML forms.
// A form marked data-confirm (disabling an account, closing a campaign, erasing recordings,
// recording a suspension order…) is sent only once the manager confirms what it will do.
"use strict";

(() => {
  const csrfMeta = document.querySelector('meta[name="csrf"]');
  const csrf = csrfMeta ? csrfMeta.content : "";

  async function upload(form) {
    const status = form.querySelector(".upload-status");
    const button = form.querySelector('button[type="submit"]');
    if (status) { status.textContent = "送信中…"; status.classList.remove("error"); }
    if (button) { button.disabled = true; }
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin", cache: "no-store",
        headers: { "X-CSRF-Token": csrf, "Accept": "text/html" },
      });
      if (response.status === 401) { window.location.assign("/login"); return; }
      const type = response.headers.get("Content-Type") || "";
      if (!type.includes("text/html")) {
        let message = "HTTP " + response.status;
        try { message = (await response.json()).error || message; } catch (e) { /* text */ }
        throw new Error(message);
      }
      if (response.redirected) { window.location.assign(response.url); return; }
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const main = page.querySelector("main");
      document.querySelector("main").replaceChildren(...(main ? main.childNodes : []));
      window.scrollTo(0, 0);
    } catch (error) {
      if (status) { status.textContent = "送信できませんでした: " + error.message; status.classList.add("error"); }
      if (button) { button.disabled = false; }
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (!form.hasAttribute("data-upload") || !csrf) { return; }
    event.preventDefault();
    upload(form);
  });
})();
