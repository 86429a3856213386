"""The query page driven in headless Chromium against a live server on 127.0.0.1.

Runs the first example tab by clicking YASGUI's run button, reads the rows the result table
shows and compares them with what GET /sparql returns for the same query; checks that the page
asks no host but the server (every request in Chromium's performance log, and no request refused
by the page's Content-Security-Policy in its console), and that the editor completes kgraph's
own classes and properties. Needs Debian's chromium and chromium-driver.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
    pytest.skip(f"headless Chromium needs {CHROMIUM} and {CHROMEDRIVER} "
                "(Debian packages chromium and chromium-driver)", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the 'test' extra")

import uvicorn  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from kgraph.settings import Settings  # noqa: E402
from kgraph.store.embedded import EmbeddedStore  # noqa: E402
from kgraph.web.app import create_app  # noqa: E402

HOST = "127.0.0.1"
WAIT = 30  # seconds


def ui_app(store: EmbeddedStore) -> FastAPI:
    """The application as served: create_app includes the UI's router (kgraph.web.ui)."""
    return create_app(Settings(), store)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(seed_store):
    """uvicorn serving the app over the in-memory seed store, in a background thread."""
    port = _free_port()
    config = uvicorn.Config(ui_app(seed_store), host=HOST, port=port, log_level="warning",
                            access_log=False, lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the server did not start")
        time.sleep(0.05)
    yield f"http://{HOST}:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1400,1600", f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        driver.get("about:blank")
        driver.get_log("performance")  # drop what the browser did before the test
        driver.get_log("browser")
        yield driver
    finally:
        driver.quit()


def _requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def _assert_only_the_server(urls: list[str], server: str) -> None:
    origin = urllib.parse.urlsplit(server)
    assert urls, "the performance log recorded no request"
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in {"data", "blob"}:
            continue
        assert (parts.scheme, parts.hostname, parts.port) == ("http", HOST, origin.port), (
            f"the page asked {url}")


def _assert_nothing_blocked(driver) -> None:
    """A request to another host is refused by the page's Content-Security-Policy before it
    reaches the network (so the performance log never sees it); the refusal is logged."""
    refused = [e["message"] for e in driver.get_log("browser")
               if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]
    assert not refused, refused


def _open_page(driver, server: str) -> None:
    driver.get(server + "/")
    try:
        WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(
            "return document.getElementById('yasgui').getAttribute('data-ready')") == "true")
    except TimeoutException:
        logs = driver.get_log("browser")
        pytest.fail(f"the query editor did not start; browser log: {logs}")


def _sparql_rows(server: str, query: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """The variables and rows GET /sparql returns: values only, '' where unbound."""
    url = server + "/sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        results = json.load(response)
    variables = results["head"]["vars"]
    rows = [tuple(b.get(v, {}).get("value", "") for v in variables)
            for b in results["results"]["bindings"]]
    return variables, rows


#: The result table as shown: column titles, and per row the value of each cell (an IRI's
#: link target; a literal's text without its quotes and its @lang / ^^datatype note).
READ_TABLE = """
const panel = document.querySelector('.tabPanel.active');
const table = panel.querySelector('.yasr table.dataTable');
const headers = Array.from(table.querySelectorAll('thead th')).slice(1)
  .map(th => th.textContent.trim());
const rows = Array.from(table.querySelectorAll('tbody tr')).map(tr =>
  Array.from(tr.querySelectorAll('td')).slice(1).map(td => {
    const literal = td.querySelector('.nonIri');
    if (literal) {
      const copy = literal.cloneNode(true);
      const noted = copy.querySelectorAll('sup').length > 0;
      copy.querySelectorAll('sup').forEach(s => s.remove());
      let text = copy.textContent;
      if (noted && text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
        text = text.slice(1, -1);
      }
      return text;
    }
    const iri = td.querySelector('a.iri');
    return iri ? iri.getAttribute('href') : td.textContent;
  }));
const info = panel.querySelector('.yasr_response_chip, .yasr .dt-info, .dataTables_info');
return {headers: headers, rows: rows, info: info ? info.textContent : ''};
"""


def test_first_example_shows_the_rows_sparql_returns(server, browser, tmp_path):
    _open_page(browser, server)
    tabs = browser.execute_script("return window.kgraphYasgui.persistentConfig.getTabs()")
    config = json.load(urllib.request.urlopen(server + "/ui/examples.json", timeout=WAIT))
    assert tabs == ["example-" + e["number"] for e in config["examples"]]
    names = [el.text for el in browser.find_elements(By.CSS_SELECTOR, ".tabsList .tab a span")]
    assert names[: len(config["examples"])] == [e["title"] for e in config["examples"]]

    # the first tab is active and holds the first example
    active = browser.execute_script("return window.kgraphYasgui.getTab().getId()")
    assert active == tabs[0]
    query = browser.execute_script("return window.kgraphYasgui.getTab().getYasqe().getValue()")
    assert config["examples"][0]["query"].strip() in query
    endpoint = browser.execute_script("return window.kgraphYasgui.getTab().getEndpoint()")
    assert endpoint == server + "/sparql"

    browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasqe_queryButton").click()
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(
        By.CSS_SELECTOR, ".tabPanel.active .yasr table.dataTable tbody tr td + td"))
    shown = browser.execute_script(READ_TABLE)
    screenshot = tmp_path / "query-page.png"
    browser.save_screenshot(str(screenshot))
    print(f"screenshot: {screenshot}")

    variables, expected = _sparql_rows(server, query)
    assert expected, "the first example returns no rows"
    assert shown["headers"] == variables
    assert Counter(tuple(row) for row in shown["rows"]) == Counter(expected)

    _assert_only_the_server(_requested_urls(browser), server)
    _assert_nothing_blocked(browser)


def test_editor_completes_kgraph_terms_from_this_server(server, browser):
    _open_page(browser, server)
    browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .CodeMirror").click()
    completers = browser.execute_script(
        "return window.kgraphYasgui.getTab().getYasqe().config.autocompleters")
    assert "kgraph-classes" in completers and "kgraph-properties" in completers
    assert not {"class", "property", "prefixes"} & set(completers)  # LOV and co. are gone

    def hints_after(text: str) -> list[str]:
        webdriver.ActionChains(browser).send_keys(text).perform()
        WebDriverWait(browser, WAIT).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".CodeMirror-hints li"))
        return [li.text for li in browser.find_elements(By.CSS_SELECTOR, ".CodeMirror-hints li")]

    browser.execute_script("""
        const yasqe = window.kgraphYasgui.getTab().getYasqe();
        yasqe.setValue('SELECT * WHERE {\\n  ?claim a ');
        yasqe.getDoc().setCursor({line: 1, ch: 12});
        yasqe.focus();""")
    assert "kg:CasualtyClaim" in hints_after("kg:Casu")
    value = browser.execute_script("return window.kgraphYasgui.getTab().getYasqe().getValue()")
    assert value.startswith("PREFIX kg: <https://w3id.org/kgraph/ontology#>")  # added for us

    browser.execute_script("""
        const yasqe = window.kgraphYasgui.getTab().getYasqe();
        yasqe.setValue(yasqe.getValue().replace(/kg:Casu$/, 'kg:CasualtyClaim ;\\n    '));
        yasqe.getDoc().setCursor({line: yasqe.getDoc().lastLine(), ch: 4});
        yasqe.focus();""")
    assert {"kg:claimant", "kg:claimantNamedAs"} <= set(hints_after("kg:claim"))

    _assert_only_the_server(_requested_urls(browser), server)
    _assert_nothing_blocked(browser)
