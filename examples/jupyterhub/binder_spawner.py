"""Spawn what Binder builds: a JupyterHub spawner wrapper for `binder serve --Server:ApiOnly=true`.

The hub's spawn form takes a repository; the spawner asks Binder for its image
(`GET /build/<provider>/<spec>?build_only=true`, BinderHub's build API), streams Binder's build log into the hub's
spawn page through `progress()`, then has the wrapped spawner start the image Binder built. This is the pairing
binderhub-service offers: the hub starts sessions, Binder only builds.

Use it around any spawner whose image is a trait (DockerSpawner, KubeSpawner, ...), in jupyterhub_config.py:

    import binder_spawner
    from dockerspawner import DockerSpawner
    c.JupyterHub.spawner_class = binder_spawner.wrap(DockerSpawner)
    c.BinderSpawner.binder_url = "http://127.0.0.1:8585/"
    c.BinderSpawner.binder_token = "..."   # Binder's Server:ApiToken (or the env var BINDER_API_TOKEN)

It needs nothing beyond JupyterHub itself: tornado's AsyncHTTPClient reads the event stream. See docs/jupyterhub.md.
"""

import asyncio
import json
import os
import re
from urllib.parse import quote, urlparse

from jupyterhub.spawner import Spawner
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from traitlets import Float, Unicode, default

__all__ = ["BinderSpawner", "BinderBuildError", "wrap", "build_path"]

# Binder's providers (BinderHub's short names); a repository field starting with one of them is a spec already.
PROVIDERS = ("gh", "gl", "gist", "git", "zenodo", "figshare", "hydroshare", "dataverse", "ckan")


ABANDONED = "The spawn was stopped while Binder was building; start the server again to use the image."


class BinderBuildError(Exception):
    """Binder could not build the image; the message is the sentence the hub shows on the spawn page."""


def build_path(repository, ref="", default_provider="gh"):
    """The `<provider>/<spec>` part of Binder's /build URL for what someone typed into the spawn form.

    `repository` is a spec (`gh/org/repo/main`, `git/<escaped url>/main`), a GitHub or GitLab URL, any other git URL,
    or `org/repo` for `default_provider`; `ref` is the branch, tag or commit (default HEAD) when the repository does
    not name one.
    """
    repository = (repository or "").strip()
    ref = (ref or "").strip() or "HEAD"
    if not repository:
        raise BinderBuildError("Give a repository to build, e.g. https://github.com/org/repo or gh/org/repo/main.")
    head = repository.split("/", 1)[0]
    if head in PROVIDERS and "://" not in repository:
        # Passed through into the URL's path: a '?' or '#' would end the path there and drop `build_only=true` (Binder
        # would then launch a session beside the hub's), and '.' or '..' segments would climb out of /build/.
        if "?" in repository or "#" in repository or any(part in (".", "..") for part in repository.split("/")):
            raise BinderBuildError(
                f"'{repository}' has a '?', '#', '.' or '..' part a Binder spec cannot have; escape them (%3F, %23) or give the repository's URL."
            )
        return quote(repository, safe="/%:@!$&'()*+,;=-._~")
    url = urlparse(repository)
    if url.scheme in ("http", "https") and url.hostname in ("github.com", "www.github.com"):
        parts = url.path.strip("/").removesuffix(".git").split("/")
        if len(parts) < 2:
            raise BinderBuildError(f"{repository} names no repository; give https://github.com/<org>/<repo>.")
        return f"gh/{parts[0]}/{parts[1]}/{quote(ref, safe='')}"
    if url.scheme in ("http", "https") and url.hostname == "gitlab.com":
        project = url.path.strip("/").removesuffix(".git")
        return f"gl/{quote(project, safe='')}/{quote(ref, safe='')}"
    if url.scheme in ("http", "https", "git", "ssh"):
        return f"git/{quote(repository, safe='')}/{quote(ref, safe='')}"
    if re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
        return f"{default_provider}/{repository}/{quote(ref, safe='')}"
    raise BinderBuildError(
        f"'{repository}' is neither a repository URL nor a Binder spec; give e.g. https://github.com/org/repo or gh/org/repo/main."
    )


class _BuildAttempt:
    """One spawn's build: the log progress() shows, whether it ended, whether the hub abandoned the spawn."""

    def __init__(self):
        self.events = []
        self.changed = asyncio.Event()
        self.started = False
        self.done = False
        self.abandoned = False

    def publish(self, progress, message, done=False):
        if message is not None:
            self.events.append({"progress": progress, "message": message})
        self.done = self.done or done
        self.changed.set()
        self.changed = asyncio.Event()


class BinderSpawner(Spawner):
    """The Binder half of a spawner: use `wrap(SomeSpawner)`, which puts this in front of SomeSpawner."""

    binder_url = Unicode(
        "http://127.0.0.1:8585/",
        config=True,
        help="Binder's URL (`binder serve` in api-only mode, Server:Urls or its public URL).",
    )

    binder_token = Unicode(
        config=True,
        help="Binder's API token (Server:ApiToken), sent as 'Authorization: Bearer <token>'. Default: $BINDER_API_TOKEN.",
    )

    @default("binder_token")
    def _binder_token_default(self):
        return os.environ.get("BINDER_API_TOKEN", "")

    default_provider = Unicode(
        "gh", config=True, help="The provider of a repository given as `org/repo` in the spawn form."
    )

    image_attribute = Unicode(
        "image",
        config=True,
        help="The attribute of the wrapped spawner that takes the image to start (DockerSpawner and KubeSpawner: image).",
    )

    build_timeout = Float(
        3600.0, config=True, help="How long a build may take, in seconds, before the spawn fails."
    )

    # A build takes minutes; the hub's default start_timeout (60 s) covers the whole start, build included.
    @default("start_timeout")
    def _start_timeout_default(self):
        return int(self.build_timeout) + 300

    @default("options_form")
    def _options_form_default(self):
        return """
<label for="binder-repository">Repository to build with Binder</label>
<input class="form-control" id="binder-repository" name="repository" required
       placeholder="https://github.com/org/repo, or gh/org/repo/main">
<label for="binder-ref">Branch, tag or commit (optional)</label>
<input class="form-control" id="binder-ref" name="ref" placeholder="HEAD">
"""

    def options_from_form(self, formdata):
        return {
            "repository": (formdata.get("repository") or [""])[0].strip(),
            "ref": (formdata.get("ref") or [""])[0].strip(),
        }

    # ---- the build ----

    def _binder_new_attempt(self):
        attempt = _BuildAttempt()
        self._binder_attempt = attempt
        return attempt

    def run_pre_spawn_hook(self):
        # The hub marks the spawn pending and may open the progress page before start() runs: the new attempt exists
        # from here on, so the page never replays the previous spawn's log.
        self._binder_new_attempt()
        return super().run_pre_spawn_hook()

    async def start(self):
        attempt = getattr(self, "_binder_attempt", None)
        if attempt is None or attempt.started:
            attempt = self._binder_new_attempt()
        attempt.started = True
        try:
            image = await asyncio.wait_for(self._binder_build(attempt), self.build_timeout)
            if attempt.abandoned or self._binder_attempt is not attempt:
                # The hub gave up on this spawn (start_timeout) and stopped it while Binder built, or a newer spawn
                # took over: starting a server now would leave one the hub does not know about.
                raise BinderBuildError(ABANDONED)
        except asyncio.TimeoutError:
            attempt.publish(100, None, done=True)
            raise BinderBuildError(
                f"Binder did not finish the build within {self.build_timeout:.0f} s (c.BinderSpawner.build_timeout); try again later."
            ) from None
        except BaseException:
            attempt.publish(100, None, done=True)
            raise
        setattr(self, self.image_attribute, image)
        attempt.publish(95, f"Binder built {image}; starting it", done=True)
        return await super().start()

    # JupyterHub insists that every spawner class defines these; the wrapped spawner does the work.
    async def stop(self, now=False):
        # A build still streaming for this spawn is abandoned: its stream is closed at its next event, and start()
        # starts nothing when it ends.
        attempt = getattr(self, "_binder_attempt", None)
        if attempt is not None:
            attempt.abandoned = True
        return await super().stop(now=now)

    async def poll(self):
        # While Binder builds, the spawn is alive: a hub giving up on it (start_timeout) polls before it stops, and
        # would skip stop(), leaving the build to start a server it no longer knows about.
        attempt = getattr(self, "_binder_attempt", None)
        if attempt is not None and attempt.started and not attempt.done:
            return None
        return await super().poll()

    async def progress(self):
        """Binder's build log while it builds, then what the wrapped spawner reports."""
        attempt = getattr(self, "_binder_attempt", None)
        seen = 0
        while attempt is not None:
            while seen < len(attempt.events):
                yield attempt.events[seen]
                seen += 1
            if attempt.done:
                break
            await attempt.changed.wait()
        # The wrapped spawner counts from its own start (the base class says 50 %): the bar must not go back.
        done = max((e.get("progress", 0) for e in (attempt.events if attempt else [])), default=0)
        async for event in super().progress():
            if event.get("progress", 100) < done:
                event = {key: value for key, value in event.items() if key != "progress"}
            yield event

    async def _binder_build(self, attempt):
        options = self.user_options or {}
        path = build_path(options.get("repository"), options.get("ref"), self.default_provider)
        url = self.binder_url.rstrip("/") + "/build/" + path + "?build_only=true"
        headers = {"Accept": "text/event-stream"}
        if self.binder_token:
            headers["Authorization"] = "Bearer " + self.binder_token
        self.log.info("Asking Binder at %s to build %s for %s", self.binder_url, path, self.user.name)
        attempt.publish(0, f"Asking Binder to build {path}")

        state = {"buffer": b"", "final": None, "lines": 0}

        def on_event(event):
            phase = event.get("phase")
            message = (event.get("message") or "").rstrip()
            if phase in ("ready", "built") and event.get("imageName"):
                state["final"] = event
            elif phase == "failed":
                state["final"] = event
            if message:
                # Build logs have no known length: creep towards 90 so the bar moves without ever looking done.
                state["lines"] += 1
                attempt.publish(min(90, 5 + state["lines"] // 2), message)

        def on_chunk(chunk):
            if attempt.abandoned:
                # Raising here makes tornado close the connection; Binder keeps building for anyone else waiting.
                raise BinderBuildError(ABANDONED)
            # Server-sent events: frames end at a blank line (a proxy may use CRLF), and a frame's data: lines join.
            state["buffer"] = (state["buffer"] + chunk).replace(b"\r\n", b"\n")
            while b"\n\n" in state["buffer"]:
                frame, state["buffer"] = state["buffer"].split(b"\n\n", 1)
                data = [line[5:].removeprefix(" ") for line in frame.decode("utf-8", "replace").split("\n") if line.startswith("data:")]
                if data:
                    try:
                        on_event(json.loads("\n".join(data)))
                    except ValueError:
                        self.log.warning("Binder sent an event that is not JSON: %.200s", "\n".join(data))

        request = HTTPRequest(
            url,
            headers=headers,
            streaming_callback=on_chunk,
            connect_timeout=20,
            request_timeout=self.build_timeout,
        )
        # A client of its own: tornado's shared one runs 10 requests at once, and the hub's own proxy and server checks
        # queue behind it, so ten long builds would stall every spawn on the hub.
        client = AsyncHTTPClient(force_instance=True)
        try:
            response = await client.fetch(request, raise_error=False)
        except (OSError, HTTPClientError) as e:
            # Connection refused, name not found, time-outs: the service is not there (HTTP answers come back as responses).
            raise BinderBuildError(
                f"Could not reach Binder at {self.binder_url} ({e.__class__.__name__}: {e}); check c.BinderSpawner.binder_url and that Binder runs."
            ) from None
        finally:
            client.close()
        final = state["final"]
        if final is not None and final.get("phase") == "failed":
            raise BinderBuildError(f"Binder could not build {path}: {(final.get('message') or '').strip()}")
        if response.code != 200:
            raise BinderBuildError(f"Binder answered {response.code} to the build of {path}: {state['buffer'][:500].decode('utf-8', 'replace')}")
        if final is None:
            raise BinderBuildError(f"Binder's stream for {path} ended before the image was built; try again.")
        return final["imageName"]


def wrap(spawner_class):
    """`spawner_class` with Binder in front: its start() first has Binder build the repository in the user's options."""
    return type("Binder" + spawner_class.__name__, (BinderSpawner, spawner_class), {"__doc__": BinderSpawner.__doc__, "__module__": __name__})
