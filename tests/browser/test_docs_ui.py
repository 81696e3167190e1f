"""The docs in a real headless browser: Swagger UI renders, Authorize logs in, Try it out works; ReDoc renders.

Uses the system's Chromium (Debian's `chromium` package) through Playwright; no browser is downloaded.
"""

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import TEST_JWT_SECRET, unavailable
from tests.processes import RunningServer, migrate_with_cli, running_server

PASSWORD = "correct horse battery"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        unavailable("no Chromium installed (apt-get install chromium), so the browser tests cannot run")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    environment = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'referrals.sqlite3'}",
        "JWT_SECRET": TEST_JWT_SECRET,
        "ARGON2_MEMORY_KIB": "64",
        "ARGON2_TIME_COST": "1",
    }
    migrate_with_cli(environment)
    with running_server(environment, tmp_path) as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Attempts may happen (ReDoc's footer asks a CDN for its logo); the content security policy must
    # stop every one of them, so that nothing from another host is ever loaded.
    loaded_from_elsewhere: list[str] = []
    page.on(
        "requestfinished",
        lambda r: (
            None if r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else loaded_from_elsewhere.append(r.url)
        ),
    )
    yield page
    context.close()
    assert loaded_from_elsewhere == []


def test_authorize_then_try_it_out_on_users_me(server: RunningServer, page: Page, tmp_path: Path) -> None:
    email = f"ui-{uuid.uuid4().hex[:8]}@example.com"
    httpx.post(f"{server.url}/auth/register", json={"email": email, "password": PASSWORD}).raise_for_status()

    page.goto(f"{server.url}/docs")
    expect(page.locator(".opblock").first).to_be_visible()

    page.locator("button.authorize").first.click()
    dialog = page.locator(".modal-ux")
    dialog.locator("#oauth_username").fill(email)
    dialog.locator("#oauth_password").fill(PASSWORD)
    dialog.locator("button.modal-btn.auth.authorize").first.click()
    expect(dialog.get_by_text("Logout")).to_be_visible()
    dialog.locator("button.btn-done").first.click()

    operation = page.locator(".opblock-get", has=page.locator("[data-path='/users/me']"))
    operation.locator(".opblock-summary").first.click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()

    live = operation.locator(".live-responses-table .response")
    expect(live.locator(".response-col_status").first).to_have_text("200")
    expect(live.locator(".response-col_description").first).to_contain_text(email)
    page.screenshot(path=str(tmp_path / "swagger.png"))


def test_redoc_renders_the_api(server: RunningServer, page: Page) -> None:
    page.goto(f"{server.url}/docs/redoc")

    expect(page.locator("h1").first).to_contain_text("Referral service")
    expect(page.get_by_text("/referral-code/{email}").first).to_be_attached()
