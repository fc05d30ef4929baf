"""A real headless Chromium (Debian's ``chromium`` + ``chromium-driver``, driven by
Selenium) against the console served by a real uvicorn on loopback with a test clock.

Missing browser: the tests FAIL saying how to install it (``bash .ci/chromium.sh``);
they are never skipped.
"""

from __future__ import annotations

import shutil

import pytest

from tests.server.console_support import ConsoleServer


def _find(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = _find("chromium", "chromium-browser")
    driver_path = _find("chromedriver")
    if binary is None or driver_path is None:
        pytest.fail(
            "the console browser tests need Debian's chromium and chromium-driver: "
            "run `bash .ci/chromium.sh` (or apt-get install chromium chromium-driver)",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",  # root in CI containers
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={tmp_path_factory.mktemp('chrome-profile')}",
        "--window-size=1200,900",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    from pyvorin_server.db import migrate

    tmp = tmp_path_factory.mktemp("console-browser")
    url = f"sqlite:///{tmp}/console.db"
    migrate(url)
    with ConsoleServer(url, tmp / "home", session_absolute_hours=1) as server:
        yield server
