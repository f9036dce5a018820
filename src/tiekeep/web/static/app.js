// tiekeep's own script: progressive enhancement only; every form works without it.
"use strict";

(function () {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  // Search-as-you-type: a form with data-live reloads its target rows as the user types.
  document.querySelectorAll("form[data-live]").forEach((form) => {
    const target = document.querySelector(form.dataset.target);
    let last = "";
    const refresh = debounce(async () => {
      const params = new URLSearchParams(new FormData(form));
      const query = params.toString();
      if (query === last) return;
      last = query;
      const response = await fetch(form.dataset.live + "?" + query, { credentials: "same-origin" });
      if (response.ok && query === last) {
        target.innerHTML = await response.text();
        history.replaceState(null, "", form.action + "?" + query);
      }
    }, 200);
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
  });

  // "Select all" for bulk edits.
  const selectAll = document.getElementById("select-all");
  if (selectAll) {
    selectAll.addEventListener("change", () => {
      document.querySelectorAll('input[name="ids"]').forEach((box) => { box.checked = selectAll.checked; });
    });
  }

  // Forms with data-remove post in the background and take their item off the page.
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (!form.dataset.remove) return;
    event.preventDefault();
    const response = await fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf() },
    });
    if (response.ok) {
      const item = document.querySelector(form.dataset.remove);
      if (item) {
        const list = item.parentElement;
        item.remove();
        const next = list && list.querySelector("button");
        if (next) next.focus();
      }
    } else {
      form.submit();
    }
  });

  // The participant picker of the log form: type, then choose from the list (mouse or keys).
  document.querySelectorAll("input[data-picker]").forEach((input) => {
    const chosen = document.querySelector(input.dataset.target);
    const results = document.querySelector(input.dataset.results);
    const template = document.getElementById("chip-template");
    const add = (id, name) => {
      if (chosen.querySelector('input[value="' + id + '"]')) return;
      const chip = template.content.firstElementChild.cloneNode(true);
      chip.querySelector("input").value = id;
      chip.querySelector("span").textContent = name;
      chip.querySelector("button").setAttribute("aria-label", chip.querySelector("button").getAttribute("aria-label") + " " + name);
      chosen.appendChild(chip);
    };
    chosen.addEventListener("click", (event) => {
      if (event.target.classList.contains("remove")) event.target.closest("li").remove();
    });
    const search = debounce(async () => {
      const q = input.value.trim();
      results.replaceChildren();
      if (!q) return;
      const response = await fetch(input.dataset.picker + "?limit=8&q=" + encodeURIComponent(q),
        { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok || input.value.trim() !== q) return;
      const page = await response.json();
      page.items.forEach((contact) => {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.setAttribute("role", "option");
        button.textContent = contact.name + (contact.organization ? " · " + contact.organization : "");
        button.addEventListener("click", () => {
          add(contact.id, contact.name);
          input.value = "";
          results.replaceChildren();
          input.focus();
        });
        li.appendChild(button);
        results.appendChild(li);
      });
    }, 150);
    input.addEventListener("input", search);
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || (event.key === "Enter" && results.firstElementChild)) {
        event.preventDefault();
        const first = results.querySelector("button");
        if (first) (event.key === "Enter" ? first.click() : first.focus());
      }
    });
    results.addEventListener("keydown", (event) => {
      const buttons = [...results.querySelectorAll("button")];
      const index = buttons.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && index < buttons.length - 1) { event.preventDefault(); buttons[index + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (index > 0 ? buttons[index - 1] : input).focus(); }
      if (event.key === "Escape") { results.replaceChildren(); input.focus(); }
    });
  });

  // Read-only fields with class "copy" select themselves on focus.
  document.querySelectorAll("input.copy").forEach((field) => field.addEventListener("focus", () => field.select()));
})();

// An import's page follows the job until it ends, then shows the summary.
(function () {
  const job = document.getElementById("job");
  if (!job || !["queued", "running"].includes(job.dataset.status)) return;
  const bar = document.getElementById("job-progress");
  const records = document.getElementById("job-records");
  const poll = async () => {
    const response = await fetch(job.dataset.poll, { credentials: "same-origin" });
    if (!response.ok) return;
    const state = await response.json();
    bar.value = state.progress;
    records.textContent = state.records;
    if (state.status === "done" || state.status === "failed") {
      window.location.reload();
    } else {
      setTimeout(poll, 500);
    }
  };
  setTimeout(poll, 300);
})();
