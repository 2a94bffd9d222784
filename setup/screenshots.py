#!/usr/bin/env python3
"""Capture the main screens of a running Customer File demo, and the first page of a
customer's Customer File PDF, as PNG files in docs/ (docs/<screen>-<lang>.png).

    ./setup/demo &                    # the demo, on http://127.0.0.1:8069
    python3 setup/screenshots.py      # every screen, in Simplified Chinese and English
    python3 setup/screenshots.py --url http://127.0.0.1:8072 --langs zh_CN --only rfm-map

Options (or the environment variables in brackets): --url (CUSTOMER_FILE_URL), --db
(CUSTOMER_FILE_DB), --login and --password (CUSTOMER_FILE_LOGIN, CUSTOMER_FILE_PASSWORD),
--langs, --only, --out. The user's language is switched for each language asked (activated
when the demo does not have it) and set back at the end. A screen that does not render
fails the script, naming the screen.

Headless Chromium is driven over the DevTools protocol with the session of a JSON-RPC
login; the PDF comes from /report/pdf with the same session and pdftoppm. Needs chromium
and poppler-utils (./setup/demo installs both) and the venv's websocket-client, requests
and Pillow: started by another interpreter, the script runs itself again with the venv's.
"""

import argparse
import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1440, 900
RENDER_TIMEOUT = 60  # seconds for a screen to show its ready selector

# The screens, in README order. "url" is a backend path; {customer_id} is the showcase
# customer (see showcase_customer). "ready" is the CSS selector that appears once the
# screen shows its data. Add a screen by adding an entry.
SCREENS = [
    {
        "name": "overview",
        "url": "/odoo/action-customer_file.action_customer_file_overview",
        "ready": ".o_customer_file_overview"
                 " .o_customer_file_overview_section[data-section=satisfaction]"
                 " .o_customer_file_overview_trend",
    },
    {
        "name": "customers-kanban",
        "url": "/odoo/action-customer_file.action_customer_file_customers",
        "ready": ".o_kanban_view .o_kanban_record:not(.o_kanban_ghost)"
                 " .o_field_widget[name=value_tier] .badge",
    },
    {
        "name": "customer-form",
        "url": "/odoo/action-customer_file.action_customer_file_customers/{customer_id}",
        "ready": ".o_form_view div[name=customer_file_glance_value]"
                 " .o_field_widget[name=rfm_segment_id] .badge",
    },
    {
        "name": "rfm-map",
        "url": "/odoo/customer-rfm-map",
        "ready": ".o_customer_rfm_map .o_customer_rfm_map_cell .o_customer_rfm_map_count",
    },
    {
        "name": "churn-warnings",
        "url": "/odoo/action-customer_file_segmentation.action_customer_churn_warning"
               "?view_type=list",
        "ready": ".o_list_view .o_data_row",
    },
    {
        "name": "complaint-board",
        "url": "/odoo/action-customer_file_feedback.action_customer_complaint",
        "ready": ".o_kanban_view .o_kanban_record:not(.o_kanban_ghost)",
    },
    {
        "name": "satisfaction-analysis",
        "url": "/odoo/action-customer_file_feedback.action_customer_feedback_report",
        "ready": ".o_pivot .o_pivot_measure_row",
    },
]
# First pages of PDF reports: the report's technical name and the record it prints.
PDF_PAGES = [
    {
        "name": "customer-file-pdf",
        "report": "customer_file.report_customer_file",
        "record": "{customer_id}",
    },
]


def venv_python():
    if os.environ.get("CUSTOMER_FILE_CACHE"):
        cache = Path(os.environ["CUSTOMER_FILE_CACHE"])
    elif os.geteuid() == 0:
        cache = Path("/var/cache/customer-file")
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "customer-file"
    return cache / "venv" / "bin" / "python"


try:
    import requests
    import websocket
    from PIL import Image
except ImportError:
    python = venv_python()
    if not python.exists() or Path(sys.prefix) == python.parent.parent:
        sys.exit(f"screenshots: websocket-client, requests and Pillow are needed; the venv "
                 f"{python} has them once ./setup/demo has run.")
    os.execv(python, [str(python), __file__, *sys.argv[1:]])


class ScreenError(Exception):
    pass


class Odoo:
    """A JSON-RPC session on the demo."""

    def __init__(self, url, db, login, password):
        self.url, self.db, self.login, self.password = url.rstrip("/"), db, login, password
        self.http = requests.Session()
        self.activated_langs = []  # languages activated for the screenshots, ids
        self.authenticate()

    def _post(self, path, params):
        try:
            response = self.http.post(
                self.url + path, json={"jsonrpc": "2.0", "method": "call", "params": params},
                timeout=120,
            )
        except requests.ConnectionError:
            sys.exit(f"screenshots: no Odoo at {self.url}: start the demo (./setup/demo) or "
                     "pass --url.")
        response.raise_for_status()
        body = response.json()
        if body.get("error"):
            error = body["error"].get("data", {}).get("message") or body["error"]
            raise ScreenError(f"{path}: {error}")
        return body["result"]

    def authenticate(self):
        self.http.cookies.clear()
        try:
            result = self._post("/web/session/authenticate",
                                {"db": self.db, "login": self.login, "password": self.password})
        except ScreenError as error:
            sys.exit(f"screenshots: cannot log in as {self.login} on {self.db}: {error}")
        self.uid = result["uid"]

    def call(self, model, method, *args, **kwargs):
        return self._post(f"/web/dataset/call_kw/{model}/{method}",
                          {"model": model, "method": method, "args": args, "kwargs": kwargs})

    @property
    def session_id(self):
        return self.http.cookies.get("session_id")

    def set_lang(self, lang):
        if not self.call("res.lang", "search", [("code", "=", lang)], limit=1):
            inactive = self.call("res.lang", "search",
                                 [("code", "=", lang), ("active", "=", False)], limit=1)
            if not inactive:
                sys.exit(f"screenshots: no language {lang} in {self.db}.")
            self.call("res.lang", "write", inactive, {"active": True})
            self.activated_langs.extend(inactive)
        self.call("res.users", "write", [self.uid], {"lang": lang})
        # A new session takes the language into its context (the PDF is rendered in it).
        self.authenticate()

    def restore_langs(self, lang):
        """Give the user back ``lang`` and archive the languages activated here again."""
        self.set_lang(lang)
        if self.activated_langs:
            try:
                self.call("res.lang", "write", self.activated_langs, {"active": False})
            except ScreenError as error:
                # Odoo keeps a language that contacts have active.
                print(f"screenshots: the languages activated stay active: {error}",
                      file=sys.stderr)

    def user_lang(self):
        return self.call("res.users", "read", [self.uid], ["lang"])[0]["lang"]


def showcase_customer(odoo):
    """A high-value customer with a segment and purchases: a full customer at a glance."""
    domain = [("customer_rank", ">", 0), ("value_tier", "=", "high"),
              ("rfm_segment_id", "!=", False), ("last_purchase_date", "!=", False)]
    ids = odoo.call("res.partner", "search", domain, limit=1, order="id")
    if not ids:
        raise ScreenError("no high-value customer with a segment in the demo: is the "
                          "segmentation demo data installed?")
    return ids[0]


class Chromium:
    """Headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self):
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which(
            "google-chrome")
        if not binary:
            sys.exit("screenshots: chromium not found (apt-get install chromium).")
        self.profile = tempfile.mkdtemp(prefix="customer-file-screens-")
        args = [binary, "--headless=new", "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}", "--no-first-run", "--no-default-browser-check",
                "--disable-gpu", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
                "--force-device-scale-factor=1", f"--window-size={WIDTH},{HEIGHT}",
                "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                sys.exit("screenshots: chromium did not start.")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        targets = requests.get(f"http://127.0.0.1:{port}/json", timeout=10).json()
        pages = [target for target in targets if target["type"] == "page"]
        self.socket = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"], timeout=120, suppress_origin=True
        )
        self.next_id = 0
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def send(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise ScreenError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        return result.get("result", {}).get("value")

    def open(self, url, ready):
        self.send("Page.navigate", url=url)
        # Wait for the new document: the previous page may still show the selector.
        time.sleep(0.5)
        check = (f"(() => {{ if (document.querySelector('.o_error_dialog')) return 'error';"
                 f" return document.readyState === 'complete'"
                 f" && !!document.querySelector({json.dumps(ready)}); }})()")
        deadline = time.monotonic() + RENDER_TIMEOUT
        while True:
            state = self.evaluate(check)
            if state == "error":
                message = self.evaluate(
                    "document.querySelector('.o_error_dialog').innerText.slice(0, 500)")
                raise ScreenError(f"an error dialog opened: {message}")
            if state:
                break
            if time.monotonic() > deadline:
                raise ScreenError(f"{ready!r} did not appear within {RENDER_TIMEOUT} s")
            time.sleep(0.25)
        self.evaluate("document.fonts.ready.then(() => true)")
        # Animations (progress bars, charts) and late lazy renders settle.
        time.sleep(1.5)

    def screenshot(self):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        return Image.open(io.BytesIO(base64.b64decode(data)))

    def set_session(self, url, session_id):
        self.send("Network.clearBrowserCookies")
        self.send("Network.setCookie", name="session_id", value=session_id, url=url)

    def close(self):
        if getattr(self, "socket", None):
            self.socket.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def save_png(image, path):
    """A 256-colour PNG: screens are flat colours and text; a few hundred KB at most."""
    palette = image.convert("RGB").quantize(
        colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    palette.save(path, optimize=True)
    return path.stat().st_size


def pdf_first_page(odoo, report, record_id, path):
    response = odoo.http.get(f"{odoo.url}/report/pdf/{report}/{record_id}", timeout=300)
    if response.status_code != 200 or not response.content.startswith(b"%PDF"):
        raise ScreenError(f"/report/pdf/{report}/{record_id} answered {response.status_code} "
                          f"{response.headers.get('Content-Type')}, not a PDF")
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "report.pdf"
        pdf.write_bytes(response.content)
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(Path(tmp) / "page")], check=True)
        with Image.open(Path(tmp) / "page.png") as page:
            return save_png(page, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env = os.environ.get
    parser.add_argument("--url", default=env("CUSTOMER_FILE_URL", "http://127.0.0.1:8069"))
    parser.add_argument("--db", default=env("CUSTOMER_FILE_DB", "customer_file_demo"))
    parser.add_argument("--login", default=env("CUSTOMER_FILE_LOGIN", "admin"))
    parser.add_argument("--password", default=env("CUSTOMER_FILE_PASSWORD", "admin"))
    parser.add_argument("--langs", default="zh_CN,en_US",
                        help="comma-separated languages (default: zh_CN,en_US)")
    parser.add_argument("--only", help="comma-separated screen names (default: all)")
    parser.add_argument("--out", default=str(REPO_DIR / "docs"))
    options = parser.parse_args()
    if not shutil.which("pdftoppm"):
        sys.exit("screenshots: pdftoppm not found (apt-get install poppler-utils).")

    wanted = set(options.only.split(",")) if options.only else None
    known = {item["name"] for item in SCREENS + PDF_PAGES}
    if wanted and wanted - known:
        sys.exit(f"screenshots: unknown screens {sorted(wanted - known)}; known: {sorted(known)}")
    screens = [screen for screen in SCREENS if not wanted or screen["name"] in wanted]
    pdfs = [page for page in PDF_PAGES if not wanted or page["name"] in wanted]
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)

    odoo = Odoo(options.url, options.db, options.login, options.password)
    original_lang = odoo.user_lang()
    values = {"customer_id": showcase_customer(odoo)}
    browser = Chromium()
    failed = []
    try:
        for lang in options.langs.split(","):
            odoo.set_lang(lang)
            browser.set_session(odoo.url, odoo.session_id)
            for screen in screens:
                label = f"{screen['name']} ({lang})"
                path = out / f"{screen['name']}-{lang}.png"
                try:
                    browser.open(odoo.url + screen["url"].format(**values), screen["ready"])
                    size = save_png(browser.screenshot(), path)
                except ScreenError as error:
                    print(f"FAILED {label}: {error}", file=sys.stderr)
                    failed.append(label)
                    continue
                print(f"{path.relative_to(REPO_DIR) if path.is_relative_to(REPO_DIR) else path}"
                      f"  {size // 1024} KB")
            for page in pdfs:
                label = f"{page['name']} ({lang})"
                path = out / f"{page['name']}-{lang}.png"
                try:
                    size = pdf_first_page(odoo, page["report"], page["record"].format(**values),
                                          path)
                except (ScreenError, subprocess.CalledProcessError) as error:
                    print(f"FAILED {label}: {error}", file=sys.stderr)
                    failed.append(label)
                    continue
                print(f"{path.relative_to(REPO_DIR) if path.is_relative_to(REPO_DIR) else path}"
                      f"  {size // 1024} KB")
    finally:
        browser.close()
        odoo.restore_langs(original_lang)
    if failed:
        sys.exit(f"screenshots: these screens did not render: {', '.join(failed)}")


if __name__ == "__main__":
    main()
