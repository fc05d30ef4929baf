"""The console end to end in a real headless Chromium: sign in, licences (issued by an
operator), machines, usage chart, audit trail, members and roles, API tokens, CSRF
refusal, logout, and the session timeouts (test clock)."""

from __future__ import annotations

import http.server
import threading

import httpx
import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.server.console_support import PASSWORD

pytestmark = pytest.mark.slow


def sign_in(chrome, console, email: str) -> None:
    chrome.delete_all_cookies()
    chrome.get(f"{console.url}/console/login")
    chrome.find_element(By.ID, "email").send_keys(email)
    chrome.find_element(By.ID, "password").send_keys(PASSWORD)
    click_and_load(chrome, chrome.find_element(By.ID, "sign-in"))
    errors = chrome.find_elements(By.ID, "error")
    wanted = f"{console.url}/console/licences"
    assert chrome.current_url == wanted, errors[0].text if errors else chrome.page_source[-1500:]


def click_and_load(chrome, element) -> None:
    """Click a link or a form's button and wait until the next page has loaded.

    ``click()`` returns once the click is dispatched, not once the navigation it starts has
    finished: reading the page or URL right after it may still see the old page.
    """
    old_page = chrome.find_element(By.TAG_NAME, "html")
    element.click()
    wait = WebDriverWait(chrome, 15, ignored_exceptions=[WebDriverException])
    wait.until(staleness_of(old_page))
    wait.until(lambda driver: driver.execute_script("return document.readyState") == "complete")


def test_sign_in_licences_machines_usage_and_logout(chrome, console):
    org = console.org("Browser Ltd")
    email = console.user(org, "owner")
    lid, key = console.issue(org, seats=2)
    act, bearer = console.activate(key, hostname="ci-runner-3")
    console.report_usage(bearer, 12)
    # a wrong password first: the clear message, on the sign-in page
    chrome.get(f"{console.url}/console/login")
    chrome.find_element(By.ID, "email").send_keys(email)
    chrome.find_element(By.ID, "password").send_keys("not the password")
    click_and_load(chrome, chrome.find_element(By.ID, "sign-in"))
    assert chrome.find_element(By.ID, "error").text == "wrong e-mail address or password"
    sign_in(chrome, console, email)
    cookie = chrome.get_cookie("__Host-pyvorin_session")
    assert cookie is not None and cookie["httpOnly"] and cookie["secure"]
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert chrome.find_element(By.ID, "who").text == email
    click_and_load(chrome, chrome.find_element(By.LINK_TEXT, lid))
    assert "1 of 2 in use" in chrome.find_element(By.ID, "seats").text
    row = chrome.find_element(By.ID, f"machine-{act}")
    assert "ci-runner-3" in row.text
    click_and_load(chrome, row.find_element(By.TAG_NAME, "button"))  # deactivate
    row = chrome.find_element(By.ID, f"machine-{act}")
    assert row.find_element(By.CLASS_NAME, "state").text == "deactivated"
    assert "0 of 2 in use" in chrome.find_element(By.ID, "seats").text
    click_and_load(chrome, chrome.find_element(By.LINK_TEXT, "Usage"))
    chart = chrome.find_element(By.ID, "usage-chart")
    bars = chart.find_elements(By.CSS_SELECTOR, "g.bar")
    assert len(bars) == 12 and bars[-1].get_attribute("data-total") == "12"
    tallest = bars[-1].find_element(By.TAG_NAME, "rect").size["height"]
    assert tallest > 100 and bars[0].find_element(By.TAG_NAME, "rect").size["height"] == 0
    click_and_load(chrome, chrome.find_element(By.LINK_TEXT, "Audit trail"))
    actions = {e.get_attribute("data-action") for e in chrome.find_elements(By.CLASS_NAME, "event")}
    assert {"machine.deactivated", "licence.issued", "session.signed_in"} <= actions
    copied = chrome.get_cookie("__Host-pyvorin_session")["value"]
    click_and_load(chrome, chrome.find_element(By.ID, "logout"))
    assert chrome.current_url == f"{console.url}/console/login"
    assert chrome.get_cookie("__Host-pyvorin_session") is None
    chrome.get(f"{console.url}/console/licences")
    assert chrome.current_url == f"{console.url}/console/login"
    # the copied cookie is dead on the server too
    replay = httpx.get(
        f"{console.url}/console/licences",
        headers={"cookie": f"__Host-pyvorin_session={copied}"},
    )
    assert replay.status_code == 303 and replay.headers["location"] == "/console/login"


def test_csrf_refusals_in_the_browser(chrome, console):
    org = console.org("Forms Ltd")
    sign_in(chrome, console, console.user(org, "owner"))
    chrome.get(f"{console.url}/console/members")
    # a tampered CSRF token: refused with a clear page, nothing added
    form = chrome.find_element(By.ID, "add-member")
    form.find_element(By.NAME, "email").send_keys("tampered@example.com")
    chrome.execute_script(
        "arguments[0].querySelector('[name=csrf_token]').value = 'forged-token'", form
    )
    click_and_load(chrome, form.find_element(By.TAG_NAME, "button"))
    error = chrome.find_element(By.ID, "error")
    assert error.get_attribute("data-code") == "csrf_failed"
    assert "CSRF token is missing or wrong" in error.text
    # a hostile page on another site posting to the console: no effect
    evil_html = f"""<!doctype html><form id=f method=post
      action="{console.url}/console/members"><input name=email value=evil@example.com>
      <input name=role value=owner></form><script>document.getElementById('f').submit()</script>"""

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.end_headers()
            self.wfile.write(evil_html.encode())

        def log_message(self, *args):
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        chrome.get(f"http://localhost:{evil.server_address[1]}/")  # another site
        chrome.implicitly_wait(5)
        chrome.find_element(By.TAG_NAME, "h1")  # the console answered (login or refusal)
        chrome.implicitly_wait(0)
    finally:
        evil.shutdown()
    chrome.get(f"{console.url}/console/members")
    members = chrome.find_element(By.ID, "members").text
    assert "tampered@example.com" not in members and "evil@example.com" not in members
    # the real form works
    form = chrome.find_element(By.ID, "add-member")
    form.find_element(By.NAME, "email").send_keys("real@example.com")
    click_and_load(chrome, form.find_element(By.TAG_NAME, "button"))
    assert "real@example.com was added" in chrome.find_element(By.ID, "created").text
    assert chrome.find_element(By.ID, "temp-password").text


def test_idle_and_absolute_timeouts_in_the_browser(chrome, console):
    org = console.org("Clock Ltd")
    email = console.user(org, "viewer")
    sign_in(chrome, console, email)
    console.clock.advance(29 * 60)
    click_and_load(chrome, chrome.find_element(By.LINK_TEXT, "Usage"))
    assert chrome.current_url.endswith("/console/usage")
    console.clock.advance(30 * 60 + 5)  # idle past 30 minutes
    click_and_load(chrome, chrome.find_element(By.LINK_TEXT, "Licences"))
    assert chrome.current_url == f"{console.url}/console/login"
    sign_in(chrome, console, email)  # absolute lifetime is 1 hour for this server
    for _ in range(2):
        console.clock.advance(25 * 60)
        chrome.get(f"{console.url}/console/usage")
        assert chrome.current_url.endswith("/console/usage")
    console.clock.advance(11 * 60)  # 61 minutes after sign-in, never idle for long
    chrome.get(f"{console.url}/console/licences")
    assert chrome.current_url == f"{console.url}/console/login"


def test_api_tokens_page_in_the_browser(chrome, console):
    org = console.org("Tokens Browser Ltd")
    sign_in(chrome, console, console.user(org, "developer"))
    click_and_load(chrome, chrome.find_element(By.LINK_TEXT, "API tokens"))
    form = chrome.find_element(By.ID, "create-token")
    form.find_element(By.ID, "token-name").send_keys("ci deploy")
    form.find_element(By.ID, "perm-licences-read").click()
    form.find_element(By.ID, "perm-usage-read").click()
    click_and_load(chrome, form.find_element(By.ID, "create"))
    secret = chrome.find_element(By.ID, "secret").text
    assert secret.startswith("pvt_")
    exchanged = httpx.post(
        f"{console.url}/v1/access-token", headers={"Authorization": f"Bearer {secret}"}
    )
    assert exchanged.status_code == 200 and exchanged.json()["scope"] == "licences:read usage:read"
    # shown once: a reload of the list does not show it again
    click_and_load(chrome, chrome.find_element(By.LINK_TEXT, "API tokens"))
    assert secret not in chrome.page_source and not chrome.find_elements(By.ID, "secret")
    row = chrome.find_element(By.CSS_SELECTOR, "#tokens tr[id^=token-]")
    assert row.find_element(By.CLASS_NAME, "name").text == "ci deploy"
    assert row.find_element(By.CLASS_NAME, "state").text == "active"
    click_and_load(chrome, row.find_element(By.TAG_NAME, "button"))  # revoke
    row = chrome.find_element(By.CSS_SELECTOR, "#tokens tr[id^=token-]")
    assert row.find_element(By.CLASS_NAME, "state").text == "revoked"
    assert not row.find_elements(By.TAG_NAME, "button")
    refused = httpx.post(
        f"{console.url}/v1/access-token", headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status_code == 401


def test_operator_issues_a_licence_and_the_owner_changes_a_role(chrome, console):
    from pyvorin_server.accounts import OPERATOR_ORG

    org = console.org("Issued In Browser Ltd")
    owner = console.user(org, "owner")
    developer = console.user(org, "developer")
    # the operator issues a licence to the organisation on the Licences page
    sign_in(chrome, console, console.user(OPERATOR_ORG, "operator"))
    form = chrome.find_element(By.ID, "issue")
    Select(form.find_element(By.NAME, "org_id")).select_by_visible_text("Issued In Browser Ltd")
    form.find_element(By.NAME, "licensee").send_keys("Browser Licensee")
    seats = form.find_element(By.NAME, "seats")
    seats.clear()
    seats.send_keys("4")
    click_and_load(chrome, form.find_element(By.TAG_NAME, "button"))
    key = chrome.find_element(By.ID, "key").text
    licence_id = chrome.find_element(By.ID, "issued").text
    assert key.startswith("PVL1.") and licence_id.startswith("lic_")
    click_and_load(chrome, chrome.find_element(By.ID, "logout"))
    # the organisation's owner sees it (view only: no issue form for customers)
    sign_in(chrome, console, owner)
    assert licence_id in chrome.find_element(By.ID, "licences").text
    assert not chrome.find_elements(By.ID, "issue")
    click_and_load(chrome, chrome.find_element(By.LINK_TEXT, licence_id))
    assert "0 of 4 in use" in chrome.find_element(By.ID, "seats").text
    # and makes the developer an admin on the Members page
    click_and_load(chrome, chrome.find_element(By.LINK_TEXT, "Members"))
    row = chrome.find_element(By.CSS_SELECTOR, f'tr[data-email="{developer}"]')
    assert row.find_element(By.CLASS_NAME, "role").text.startswith("developer (v")
    Select(row.find_element(By.NAME, "role")).select_by_visible_text("admin")
    click_and_load(chrome, row.find_element(By.TAG_NAME, "button"))
    row = chrome.find_element(By.CSS_SELECTOR, f'tr[data-email="{developer}"]')
    assert row.find_element(By.CLASS_NAME, "role").text.startswith("admin (v")
    click_and_load(chrome, chrome.find_element(By.LINK_TEXT, "Audit trail"))
    actions = [e.get_attribute("data-action") for e in chrome.find_elements(By.CLASS_NAME, "event")]
    assert "role.changed" in actions and "licence.issued" in actions
