# Binder's environment manifest: what the image has installed, written as the last step of a generated image's build.
# Run by the system Python as the image's user; each package manager is asked on its own, and whatever goes wrong
# with one is recorded in its section ("error") instead of failing the build. Written for any Python 3.
import glob
import json
import os
import re
import shutil
import subprocess
import sys

SCHEMA_VERSION = 1
TIMEOUT = 120
ERROR_CHARS = 2000

# Run inside each Python environment: (name, version) of every distribution its interpreter would import, first on
# sys.path winning, as pip list reports them. importlib.metadata from 3.8, pkg_resources for older Pythons.
PYTHON_PROBE = r"""
import json, sys
found = {}
try:
    from importlib.metadata import distributions
    for d in distributions():
        name = d.metadata["Name"]
        if name and name.lower() not in found:
            found[name.lower()] = [name, d.version or ""]
except ImportError:
    import pkg_resources
    for d in pkg_resources.working_set:
        if d.project_name.lower() not in found:
            found[d.project_name.lower()] = [d.project_name, d.version]
sys.stdout.write(json.dumps(list(found.values())))
"""

R_PROBE = (
    'cat(R.home(), "\\n", sep = ""); '
    'ip <- installed.packages(fields = NULL); '
    'ip <- ip[!duplicated(ip[, "Package"]), , drop = FALSE]; '
    'cat(paste(ip[, "Package"], ip[, "Version"], sep = "\\t"), sep = "\\n")'
)


def run(command, env=None, cwd=None):
    """Runs a command; its standard output, or an exception whose message says what went wrong."""
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT, env=env, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise RuntimeError("%s did not finish within %d s" % (command[0], TIMEOUT))
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip()[-ERROR_CHARS:]
        raise RuntimeError("%s exited with code %d: %s" % (command[0], done.returncode, tail))
    return done.stdout.decode("utf-8", "replace")


def section(manager, environment, query):
    entry = {"manager": manager, "environment": environment}
    try:
        packages = query()
        entry["packages"] = sorted(
            ({"name": str(n), "version": str(v)} for n, v in packages),
            key=lambda p: (p["name"].lower(), p["name"]))
    except Exception as e:  # One manager's failure is recorded, never fatal.
        entry["error"] = ("%s: %s" % (type(e).__name__, e))[:ERROR_CHARS]
    return entry


def python_environments():
    """The server and kernel environments (NB_PYTHON_PREFIX, KERNEL_PYTHON_PREFIX), each once."""
    prefixes = []
    for variable in ("NB_PYTHON_PREFIX", "KERNEL_PYTHON_PREFIX"):
        prefix = os.environ.get(variable)
        if prefix and prefix not in prefixes and os.path.isdir(prefix):
            prefixes.append(prefix)
    return prefixes


def pip_packages(prefix):
    pythons = [os.path.join(prefix, "bin", name) for name in ("python", "python3")]
    python = next((p for p in pythons if os.path.exists(p)), pythons[0])
    # "-c" puts the working directory first on sys.path, and the build's is the repository's: its own json.py or
    # email.py would shadow the standard library the probe imports. The probe runs from "/" and, on Python 3.11+,
    # with PYTHONSAFEPATH (older Pythons ignore it). Not -I: PYTHONPATH and the user site (pip install --user in
    # postBuild) are part of what the environment imports, so they belong in its list.
    env = dict(os.environ, PYTHONSAFEPATH="1")
    return json.loads(run([python, "-c", PYTHON_PROBE], env=env, cwd="/"))


def conda_packages(prefix):
    packages = []
    for path in glob.glob(os.path.join(prefix, "conda-meta", "*.json")):
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
        if isinstance(record, dict) and record.get("name"):
            packages.append((record["name"], record.get("version", "")))
    return packages


def r_section(rscript):
    """R's packages; the environment is R's home (R.home(), the probe's first line)."""
    home = {}

    def query():
        lines = run([rscript, "--vanilla", "-e", R_PROBE]).splitlines()
        if lines:
            home["path"] = lines[0].strip()
        return [tuple(line.split("\t", 1)) for line in lines[1:] if "\t" in line]

    entry = section("r", "", query)
    entry["environment"] = home.get("path") or os.path.dirname(rscript)
    return entry


JULIA_HEADER = re.compile(r'^\[\[(?:deps\.)?("?)([^\]"]+)\1\]\]\s*$')
JULIA_VERSION = re.compile(r'^version\s*=\s*"([^"]*)"\s*$')


def julia_packages(manifest):
    """The packages of a Julia Manifest.toml (format 1 or 2); standard libraries carry no version and are left out."""
    packages, name = [], None
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            header = JULIA_HEADER.match(line)
            if header:
                name = header.group(2)
                continue
            if line.startswith("["):
                name = None
                continue
            version = JULIA_VERSION.match(line)
            if name and version:
                packages.append((name, version.group(1)))
                name = None
    return packages


JULIA_VERSIONED = re.compile(r'^(?:Julia)?Manifest-v(\d+)\.(\d+)\.toml$')


def julia_manifest_in(directory):
    """The manifest Julia loads in a directory: a versioned one (Julia 1.10.8+/1.11) for the running Julia first, as
    its code loading looks for them; JULIA_VERSION (set by the Julia buildpack) says which, else the newest there is."""
    try:
        names = os.listdir(directory)
    except OSError:
        return None
    versions = sorted({(int(m.group(1)), int(m.group(2))) for m in map(JULIA_VERSIONED.match, names) if m}, reverse=True)
    running = re.match(r'^(\d+)\.(\d+)', os.environ.get("JULIA_VERSION", ""))
    if running:
        versions = [(int(running.group(1)), int(running.group(2)))]
    candidates = []
    for major, minor in versions[:1]:
        candidates += ["JuliaManifest-v%d.%d.toml" % (major, minor), "Manifest-v%d.%d.toml" % (major, minor)]
    candidates += ["JuliaManifest.toml", "Manifest.toml"]
    return next((os.path.join(directory, n) for n in candidates if os.path.isfile(os.path.join(directory, n))), None)


def julia_manifests():
    directories = []
    project = os.environ.get("JULIA_PROJECT")
    if project:
        directories.append(project)
    for depot in filter(None, os.environ.get("JULIA_DEPOT_PATH", "").split(":")):
        directories += sorted(d for d in glob.glob(os.path.join(depot, "environments", "*")) if os.path.isdir(d))
    seen, manifests = set(), []
    for directory in directories:
        path = julia_manifest_in(directory)
        if path and directory not in seen:
            seen.add(directory)
            manifests.append(path)
    return manifests


def debian_packages():
    output = run(["dpkg-query", "-W", "-f", "${db:Status-Abbrev}\\t${Package}\\t${Version}\\n"])
    packages = []
    for line in output.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0].startswith("ii"):
            packages.append((parts[1], parts[2]))
    return packages


def main(path):
    sections = []
    for prefix in python_environments():
        if os.path.isdir(os.path.join(prefix, "conda-meta")):
            sections.append(section("conda", prefix, lambda p=prefix: conda_packages(p)))
        sections.append(section("pip", prefix, lambda p=prefix: pip_packages(p)))
    rscript = shutil.which("Rscript")
    if rscript:
        sections.append(r_section(rscript))
    if shutil.which("julia") or os.environ.get("JULIA_PROJECT"):
        manifests = julia_manifests()
        for manifest in manifests:
            sections.append(section("julia", os.path.dirname(manifest), lambda m=manifest: julia_packages(m)))
        if not manifests:
            sections.append({"manager": "julia", "environment": os.environ.get("JULIA_PROJECT", ""),
                             "error": "Julia is installed, but no Manifest.toml was found in JULIA_PROJECT or the depot's environments."})
    if shutil.which("dpkg-query"):
        sections.append(section("debian", "/", debian_packages))
    write(path, {"schemaVersion": SCHEMA_VERSION, "sections": sections})


def write(path, manifest):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    os.chmod(path, 0o644)


if __name__ == "__main__":
    target = sys.argv[1]
    try:
        main(target)
    except Exception as e:  # The build never fails for its manifest: the error is what gets recorded.
        write(target, {"schemaVersion": SCHEMA_VERSION, "sections": [],
                       "error": ("The package lists could not be recorded: %s: %s" % (type(e).__name__, e))[:ERROR_CHARS]})
