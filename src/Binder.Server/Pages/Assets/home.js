// The home page: turns a repository, ref and path into a launch link and a badge, as mybinder.org's page does.
"use strict";
(function () {
  const form = document.getElementById("launch-form");
  const provider = document.getElementById("provider");
  const repository = document.getElementById("repository");
  const repositoryLabel = document.getElementById("repository-label");
  const ref = document.getElementById("ref");
  const refRow = document.getElementById("ref-row");
  const path = document.getElementById("path");
  const pathType = document.getElementById("path-type");
  const launchUrl = document.getElementById("launch-url");
  const badge = document.getElementById("badge-markdown");
  const error = document.getElementById("form-error");
  const copyStatus = document.getElementById("copy-status");
  const base = new URL(".", window.location.href).href; // ends with '/'
  let providers = {};

  function trimPrefix(value, prefixes) {
    for (const prefix of prefixes) {
      if (value.toLowerCase().startsWith(prefix)) return value.slice(prefix.length);
    }
    return value;
  }

  // The spec part after the provider, as BinderHub's launch links write it.
  function specOf(id, repo, gitRef) {
    const r = gitRef || "HEAD";
    switch (id) {
      case "gh":
        repo = trimPrefix(repo, ["https://github.com/", "http://github.com/", "github.com/"]).replace(/\.git$/, "").replace(/\/+$/, "");
        return repo + "/" + encodeURIComponent(r);
      case "gist":
        repo = trimPrefix(repo, ["https://gist.github.com/", "http://gist.github.com/", "gist.github.com/"]).replace(/\/+$/, "");
        return repo + "/" + encodeURIComponent(r);
      case "gl":
        repo = trimPrefix(repo, ["https://gitlab.com/", "http://gitlab.com/", "gitlab.com/"]).replace(/\.git$/, "").replace(/\/+$/, "");
        return encodeURIComponent(repo) + "/" + encodeURIComponent(r);
      case "git":
        return encodeURIComponent(repo) + "/" + encodeURIComponent(r);
      default:
        return trimPrefix(repo, ["https://doi.org/", "http://doi.org/", "doi:"]).replace(/\/+$/, "");
    }
  }

  function link() {
    const repo = repository.value.trim();
    if (!repo) return null;
    const id = provider.value;
    let url = base + "v2/" + id + "/" + specOf(id, repo, ref.value.trim());
    const p = path.value.trim();
    if (p) {
      // A file opens with filepath (tree/<file>), which classic Notebook and Jupyter Server with nbclassic both
      // serve; labpath would need JupyterLab, which not every image has.
      url += (pathType.value === "url" ? "?urlpath=" : "?filepath=") + encodeURIComponent(p);
    }
    return url;
  }

  function update() {
    const info = providers[provider.value];
    if (info) {
      repositoryLabel.textContent = info.repo.label;
      repository.placeholder = info.repo.placeholder;
      refRow.hidden = !info.ref.enabled;
    } else {
      refRow.hidden = !["gh", "gist", "gl", "git"].includes(provider.value);
    }
    const url = link();
    launchUrl.value = url || "";
    badge.value = url ? "[![Binder](" + base + "badge_logo.svg)](" + url + ")" : "";
    error.hidden = true;
  }

  async function copy(targetId) {
    const field = document.getElementById(targetId);
    if (!field.value) return;
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      field.select();
      document.execCommand("copy");
    }
    copyStatus.textContent = "Copied to the clipboard.";
  }

  fetch(base + "api/repoproviders").then(r => r.ok ? r.json() : []).then(list => {
    providers = {};
    for (const p of list) providers[p.id] = p;
    if (list.length) {
      const current = provider.value;
      provider.replaceChildren(...list.map(p => new Option(p.displayName, p.id)));
      if (providers[current]) provider.value = current;
    }
    update();
  }).catch(() => update());

  for (const el of [provider, repository, ref, path, pathType]) {
    el.addEventListener("input", update);
    el.addEventListener("change", update);
  }
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", () => copy(button.dataset.copy));
  }
  form.addEventListener("submit", event => {
    event.preventDefault();
    const url = link();
    if (!url) {
      error.textContent = "Enter a repository first.";
      error.hidden = false;
      repository.focus();
      return;
    }
    window.location.href = url;
  });
  update();
})();
