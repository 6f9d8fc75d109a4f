// The launch page (/v2/<provider>/<spec>): follows the /build event stream, shows the log, then opens the session.
"use strict";
(function () {
  const log = document.getElementById("log");
  const phase = document.getElementById("phase");
  const progress = document.getElementById("progress");
  const statusMessage = document.getElementById("status-message");
  const linkRow = document.getElementById("session-link-row");
  const link = document.getElementById("session-link");
  const progressOf = { waiting: 10, fetching: 20, building: 40, pushing: 70, built: 80, launching: 90, ready: 100 };
  const titles = {
    waiting: "Waiting", fetching: "Fetching the repository", building: "Building the environment",
    pushing: "Pushing the image", built: "Built", launching: "Starting the server", ready: "Ready", failed: "Failed",
  };

  const at = window.location.pathname.indexOf("/v2/");
  const prefix = window.location.pathname.slice(0, at + 1);
  const spec = window.location.pathname.slice(at + "/v2/".length);
  let shownSpec = spec;
  try {
    shownSpec = decodeURIComponent(spec);
  } catch (e) {
    // A malformed %-escape: show it as given; the server's failed event says what is wrong.
  }
  document.getElementById("spec").textContent = shownSpec;
  const params = new URLSearchParams(window.location.search);

  // BinderHub's redirect: labpath=p opens doc/tree/p (JupyterLab), filepath=p opens tree/p, urlpath is used as given.
  // Returns null when the path would leave the session (".." and its spellings, as the browser resolves them): the
  // token would go to another address.
  function sessionUrl(url, token) {
    let path = null, type = null;
    if (params.get("labpath")) { path = params.get("labpath"); type = "lab"; }
    else if (params.get("filepath")) { path = params.get("filepath"); type = "file"; }
    else if (params.get("urlpath")) { path = params.get("urlpath"); type = "url"; }
    const root = new URL(url.replace(/\/?$/, "/"), window.location.href);
    let target = new URL(root.href);
    if (path) {
      const base = url.replace(/\/$/, "");
      path = path.replace(/^\//, "");
      if (type === "lab") target = new URL(base + "/doc/tree/" + encodeURI(path.replace(/\/$/, "")), window.location.href);
      else if (type === "file") target = new URL(base + "/tree/" + encodeURI(path.replace(/\/$/, "")), window.location.href);
      else target = new URL(base + "/" + path, window.location.href);
      if (target.origin !== root.origin || !target.pathname.startsWith(root.pathname)) return null;
    }
    target.searchParams.set("token", token);
    return target.href;
  }

  function append(text) {
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.append(text);
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  function show(name) {
    phase.textContent = titles[name] || name;
    phase.dataset.phase = name;
    if (progressOf[name] !== undefined) progress.value = progressOf[name];
  }

  const source = new EventSource(prefix + "build/" + spec);
  let finished = false;
  source.onmessage = event => {
    const data = JSON.parse(event.data);
    const name = (data.phase || "").toLowerCase();
    show(name);
    if (data.message) append(data.message);
    if (name === "failed") {
      finished = true;
      source.close();
      statusMessage.textContent = data.message || "The build failed.";
      statusMessage.classList.add("error");
    } else if (name === "ready" && data.url) {
      finished = true;
      source.close();
      const target = sessionUrl(data.url, data.token);
      if (target === null) {
        show("failed");
        statusMessage.textContent = "The link asks to open a path outside your session (it climbs up with '..'); it was not opened, so your session's token stays with your session.";
        statusMessage.classList.add("error");
        return;
      }
      link.href = target;
      linkRow.hidden = false;
      statusMessage.textContent = "Your session is ready; opening it.";
      window.location.href = target;
    }
  };
  source.onerror = () => {
    if (finished) return;
    source.close();
    show("failed");
    statusMessage.textContent = "The connection to Binder was lost. Reload the page to try again.";
    statusMessage.classList.add("error");
  };
})();
