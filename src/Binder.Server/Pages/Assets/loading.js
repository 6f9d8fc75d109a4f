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

  // "What's in this environment": the package lists the build recorded, from /api/images once the image is known
  // (built, or found from an earlier build). Every name comes from the repository: text nodes only, never markup.
  const environmentDetails = document.getElementById("environment-details");
  const environmentNote = document.getElementById("environment-note");
  const environment = document.getElementById("environment");
  const managerTitles = { pip: "Python (pip)", conda: "conda", r: "R", julia: "Julia", debian: "Debian" };
  const managerOrder = ["pip", "conda", "r", "julia", "debian"];
  let environmentAsked = false;

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function showEnvironment(answer) {
    environment.replaceChildren();
    const packages = answer && answer.packages;
    if (!packages) {
      environmentNote.textContent = (answer && (answer.packagesNote || answer.message)) || "The installed packages of this image are not known.";
      environmentDetails.hidden = false;
      return;
    }
    environmentNote.textContent = packages.error ? "Nothing was recorded: " + packages.error : "";
    const rank = m => { const i = managerOrder.indexOf(m); return i < 0 ? managerOrder.length : i; };
    const sections = (packages.sections || []).slice().sort((a, b) => rank(a.manager) - rank(b.manager));
    for (const section of sections) {
      const title = managerTitles[section.manager] || String(section.manager);
      const where = section.manager === "debian" || !section.environment ? "" : " in " + section.environment;
      const box = element("details", undefined, "packages");
      box.dataset.manager = String(section.manager);
      // Debian's list is long and rarely what people look for: closed until asked.
      box.open = section.manager !== "debian";
      if (section.packages) {
        box.append(element("summary", section.packages.length + " " + title + where));
        const table = element("table");
        for (const p of section.packages) {
          const row = element("tr");
          row.append(element("td", String(p.name)), element("td", String(p.version)));
          table.append(row);
        }
        box.append(table);
      } else {
        box.append(element("summary", title + where + ": not recorded"), element("p", String(section.error || ""), "status"));
      }
      environment.append(box);
    }
    environmentDetails.hidden = false;
  }

  function askEnvironment() {
    if (environmentAsked) return;
    environmentAsked = true;
    fetch(prefix + "api/images/" + spec, { headers: { Accept: "application/json" } })
      .then(response => response.json())
      .then(showEnvironment)
      .catch(() => { environmentAsked = false; });
  }

  const source = new EventSource(prefix + "build/" + spec);
  let finished = false;
  source.onmessage = event => {
    const data = JSON.parse(event.data);
    const name = (data.phase || "").toLowerCase();
    show(name);
    if (data.message) append(data.message);
    if (name === "built") askEnvironment();
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
