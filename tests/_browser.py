"""Open a run report in real headless Chromium (Debian's, with its chromedriver) and read what it shows.

The browser runs with every host name unresolvable, so a report that needed the
network would fail to load something; every resource it loaded is returned, with
the browser's console errors, the number of timeline bars in the DOM and the text.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@dataclass
class Page:
    """What the browser saw: console errors, resources loaded, timeline bars, histogram bars, visible text."""

    errors: list[str]
    resources: list[str]
    timeline_bars: int
    histogram_bars: int
    text: str


def browser_or_skip() -> None:
    """Skip (fail under CI) when Debian's Chromium or chromedriver is missing."""
    if os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER) and shutil.which("chromium"):
        return
    reason = "Chromium and chromedriver are not installed: bash scripts/tools.sh browser"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: scripts/test.sh should have provided them)", pytrace=False)
    pytest.skip(reason)


def open_report(report: Path, screenshot: Path) -> Page:
    """Load ``report`` (a file) in headless Chromium, wait for its charts, save a full-page screenshot."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser_or_skip()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--host-resolver-rules=MAP * ~NOTFOUND"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.get(report.resolve().as_uri())
        deadline = time.monotonic() + 60
        while driver.execute_script("return document.readyState") != "complete" or not driver.execute_script(
                "return !!window.Plotly && document.querySelectorAll('#timeline .main-svg').length > 0"):
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        height = int(driver.execute_script("return document.documentElement.scrollHeight"))
        driver.set_window_size(1280, min(max(height, 800), 16000))
        time.sleep(0.5)  # plotly redraws on resize (responsive)
        bars = int(driver.execute_script("return document.querySelectorAll('#timeline .bars .point').length"))
        histogram = int(driver.execute_script("return document.querySelectorAll('#histogram .bars .point').length"))
        resources = list(driver.execute_script(
            "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"))
        text = str(driver.execute_script("return document.body.innerText"))
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(screenshot))
        errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    finally:
        driver.quit()
    return Page(errors, resources, bars, histogram, text)
