"""Test glue, not for deployments: a JupyterHub spawner that runs the single-user server in a Docker container.

No Docker spawner package (DockerSpawner, KubeSpawner) is installable here, so the JupyterHub tests start containers
with the docker CLI at $DOCKER_HOST. The private daemon has no default bridge: containers share the host's network,
and each single-user server listens on a free loopback port of its own.
"""

import asyncio
import os
import socket
import tempfile

from jupyterhub.spawner import Spawner
from traitlets import Float, List, Unicode, default


async def _docker(*args):
    process = await asyncio.create_subprocess_exec(
        "docker", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    return process.returncode, out.decode().strip(), err.decode().strip()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DockerTestSpawner(Spawner):
    image = Unicode(config=True, help="The image to run (set by BinderSpawner from Binder's build).")

    container_prefix = Unicode("binder-hubtest-", config=True, help="Names and labels the test's containers.")

    container_name = Unicode("")

    progress_messages = List(Unicode(), config=True, help="Said one by one through progress() before the container starts.")

    progress_interval = Float(0.5, config=True, help="Seconds between two progress messages.")

    hold_file = Unicode("", config=True, help="While this file exists, start() waits (at most 120 s) after its messages: a slow spawn the test ends.")

    # The hub's PATH and PYTHONPATH mean nothing inside the image (its PATH leads to its own environment).
    @default("env_keep")
    def _env_keep_default(self):
        return []

    async def start(self):
        self._said = []
        for message in self.progress_messages:
            self._said.append(message)
            await asyncio.sleep(self.progress_interval)
        if self.hold_file:
            for _ in range(600):
                if not os.path.exists(self.hold_file):
                    break
                await asyncio.sleep(0.2)
        # Binder launching on this hub (Launch:Backend=JupyterHub) names the image in the user options.
        if not self.image:
            self.image = (self.user_options or {}).get("image", "")
        if not self.image:
            raise RuntimeError("DockerTestSpawner has no image to start.")
        self.ip = "127.0.0.1"
        self.port = _free_port()
        self.container_name = f"{self.container_prefix}{self.user.name}"
        await _docker("rm", "-f", self.container_name)
        # The env carries the server's API token: a file only this process reads, not the command line.
        with tempfile.NamedTemporaryFile("w", prefix="hub-env-", delete=False) as env_file:
            for key, value in self.get_env().items():
                env_file.write(f"{key}={value}\n")
        try:
            code, out, err = await _docker(
                "run", "-d", "--name", self.container_name, "--network", "host",
                "--label", f"binder-hubtest={self.container_prefix}",
                "--env-file", env_file.name,
                self.image, *(self.cmd or ["jupyterhub-singleuser"]), *self.get_args(),
            )
        finally:
            os.unlink(env_file.name)
        if code != 0:
            raise RuntimeError(f"docker run {self.image} failed: {err}")
        return (self.ip, self.port)

    async def progress(self):
        # Everything said so far, then each new message; the hub stops asking once the spawn has ended.
        sent = 0
        while True:
            said = getattr(self, "_said", [])
            while sent < len(said):
                yield {"progress": 10 + sent, "message": said[sent]}
                sent += 1
            await asyncio.sleep(0.1)

    async def poll(self):
        if not self.container_name:
            return 0
        code, out, _ = await _docker("inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", self.container_name)
        if code != 0:
            return 0
        running, exit_code = out.split()
        return None if running == "true" else int(exit_code)

    async def stop(self, now=False):
        if self.container_name:
            await _docker("rm", "-f", self.container_name)

    def get_state(self):
        state = super().get_state()
        if self.container_name:
            state["container_name"] = self.container_name
        return state

    def load_state(self, state):
        super().load_state(state)
        self.container_name = state.get("container_name", "")

    def clear_state(self):
        super().clear_state()
        self.container_name = ""
