"""The helpers the suite-wide licence fixture uses work as their docstring says."""

from __future__ import annotations

import stat

from pyvorin.exitcodes import ExitCode
from pyvorin.licensing.state import state_path
from tests.licensing.support import activate_into, copy_licence_state
from tests.licensing.test_gate_e2e import compile_once


def test_activate_once_and_copy_into_other_homes(licence_server, tmp_path):
    template = tmp_path / "template"
    licence_dir = activate_into(template, licence_server, plan="enterprise", seats=1)
    assert licence_dir == template / "licence" and state_path(template).is_file()
    for name in ("one", "two"):
        home = tmp_path / name
        copy_licence_state(template, home)
        assert stat.S_IMODE(state_path(home).stat().st_mode) == 0o600
        result = compile_once(tmp_path / f"project-{name}", home)
        assert result.exit_code == ExitCode.OK, result.licence.detail
    lid = result.licence.detail.split()[1]
    status = licence_server.status(lid)
    assert status["seats_used"] == 1 and status["usage"]["used"] == 2
