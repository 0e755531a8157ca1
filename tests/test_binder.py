"""Publishing: the Binder environment and the GitHub Pages workflow are what they claim to be.

Binder (``binder/``, read by repo2docker before the repository root): the files are present;
``requirements.txt`` pins every package, takes torch's CPU-only build from the CPU wheel index
(the PyPI wheel pulls several GB of CUDA libraries), installs jupytext, and agrees with the
book's ``requirements.txt``; ``postBuild`` installs relubook and makes JupyterLab open ``.md``
files as notebooks (``overrides.json`` sets jupytext's viewer as the default for Markdown),
which is checked by running it with ``pip``/``python`` stubbed out.

Pages (``.github/workflows/publish.yml``): valid YAML, runs on pushes to main, builds with
``make book`` and deploys ``_build/html`` with upload-pages-artifact and deploy-pages.
"""

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.\-\[\]]+)\s*==\s*(?P<version>\S+)$")


def _requirements(path: Path) -> tuple[dict[str, str], list[str]]:
    """``{normalised name: version}`` of the pinned lines, and the option lines (``--...``)."""
    pins, options = {}, []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        m = _PIN.match(line)
        assert m, f"{path.name}: not pinned with ==: {line!r}"
        pins[re.sub(r"[-_.]+", "-", m["name"]).lower()] = m["version"]
    return pins, options


BINDER_PINS, BINDER_OPTIONS = _requirements(BINDER / "requirements.txt")
BOOK_PINS, _ = _requirements(ROOT / "requirements.txt")


def test_binder_files_present():
    for name in ("requirements.txt", "postBuild", "overrides.json"):
        assert (BINDER / name).is_file(), f"binder/{name} is missing"
    assert (BINDER / "postBuild").stat().st_mode & stat.S_IXUSR, (
        "binder/postBuild must be executable")


def test_torch_is_the_cpu_only_build():
    assert "torch" in BINDER_PINS
    assert BINDER_PINS["torch"].endswith("+cpu"), "pin the CPU wheel: torch==X.Y.Z+cpu"
    indexes = [o.split(None, 1)[1] if " " in o else o.split("=", 1)[1]
               for o in BINDER_OPTIONS if o.startswith(("--extra-index-url", "--index-url"))]
    assert any(url.rstrip("/").endswith("/whl/cpu") for url in indexes), (
        "binder/requirements.txt needs the CPU wheel index (--extra-index-url .../whl/cpu)")
    cuda = [n for n in BINDER_PINS if n.startswith(("nvidia-", "triton"))]
    assert not cuda, f"CUDA packages in the Binder environment: {cuda}"


def test_jupytext_and_the_runtime_are_installed():
    for name in ("jupytext", "ipykernel", "ipywidgets", "numpy", "scipy", "matplotlib", "numba"):
        assert name in BINDER_PINS, f"binder/requirements.txt lacks {name}"


def test_binder_pins_agree_with_the_book():
    """The same versions as requirements.txt (torch up to its +cpu local tag), so Binder runs
    the code the book was built and tested with."""
    differ = []
    for name, version in BINDER_PINS.items():
        if name in BOOK_PINS and version.split("+")[0] != BOOK_PINS[name].split("+")[0]:
            differ.append(f"{name}: binder {version}, requirements.txt {BOOK_PINS[name]}")
    assert not differ, "\n".join(differ)
    # What relubook itself imports at run time must be pinned there too.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    deps = re.search(r"dependencies\s*=\s*\[(.*?)\]", pyproject, re.S)
    if deps:
        for dep in re.findall(r'"([A-Za-z0-9_.\-]+)', deps.group(1)):
            name = re.sub(r"[-_.]+", "-", dep).lower()
            assert name in BINDER_PINS, f"relubook depends on {dep}, not pinned for Binder"


def test_overrides_open_markdown_as_notebooks():
    data = json.loads((BINDER / "overrides.json").read_text(encoding="utf-8"))
    viewers = data["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers.get("markdown") == "Jupytext Notebook"
    # The factory name is jupytext's own (checked against the installed lab extension).
    ext = ROOT / ".venv" / "share" / "jupyter" / "labextensions" / "jupyterlab-jupytext"
    if ext.is_dir():
        assert any(b'"Jupytext Notebook"' in p.read_bytes() for p in ext.rglob("*.js")), (
            "jupytext's lab extension defines no 'Jupytext Notebook' factory")


def test_postbuild_installs_relubook_and_the_overrides(tmp_path):
    """Run postBuild with pip and python replaced by stubs that log their arguments."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("pip", "python", "python3"):
        stub = stubs / tool
        stub.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\n', encoding="utf-8")
        stub.chmod(0o755)
    prefix = tmp_path / "prefix"
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}", "NB_PYTHON_PREFIX": str(prefix)}
    subprocess.run(["bash", str(BINDER / "postBuild")], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=60)
    calls = log.read_text(encoding="utf-8").splitlines()
    assert any(re.match(r"(pip|python3? -m pip) install\b.*(-e \.|\s\.)(\s|$)", c)
               for c in calls), calls
    installed = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert installed.is_file(), (
        "postBuild did not install overrides.json into JupyterLab's settings")
    assert json.loads(installed.read_text()) == json.loads((BINDER / "overrides.json").read_text())


def test_config_launches_binder_on_the_repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["launch_buttons"]["binderhub_url"].startswith("https://")
    assert config["repository"]["url"].startswith("https://github.com/")


# ---- GitHub Pages --------------------------------------------------------------------------

WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"


@pytest.fixture(scope="module")
def workflow():
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _uses(job) -> list[str]:
    return [step.get("uses", "") for step in job.get("steps", [])]


def test_workflow_runs_on_pushes_to_main(workflow):
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as True
    assert "main" in on["push"]["branches"]


def test_workflow_builds_the_book_and_deploys_it(workflow):
    assert workflow["permissions"]["pages"] == "write"
    assert workflow["permissions"]["id-token"] == "write"
    jobs = workflow["jobs"]
    build = next(j for j in jobs.values() if any("upload-pages-artifact" in u for u in _uses(j)))
    runs = " ".join(step.get("run", "") for step in build["steps"])
    assert re.search(r"\bmake book\b", runs), "the build job must run `make book`"
    upload = next(s for s in build["steps"] if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["with"]["path"].rstrip("/") == "_build/html"
    deploy_name, deploy = next((n, j) for n, j in jobs.items()
                               if any("deploy-pages" in u for u in _uses(j)))
    needs = deploy.get("needs")
    build_name = next(n for n, j in jobs.items() if j is build)
    assert build_name in ([needs] if isinstance(needs, str) else needs)
    assert deploy["environment"]["name"] == "github-pages"
    for job in jobs.values():
        for uses in _uses(job):
            if uses:
                assert re.match(r"^[\w.-]+/[\w.-]+@v\d+$", uses), f"pin actions to a major: {uses}"
