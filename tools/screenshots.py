"""Take the screenshots of the app page (static/description/*.png) from a
demo database served by Odoo, in headless Chromium driven through the Chrome
DevTools protocol.

    python tools/screenshots.py http://127.0.0.1:8069 static/description service_desk_demo [NAME ...]

NAMEs (ticket_remedies, portal_tickets...) take only those shots; without,
all of them.  The server must serve one demo database (`make demo`): the
backend shots are taken as admin, the portal shots as the portal demo user
(in Thai as the demo's Thai customer, kanya), the help center as a visitor.
Needs Chromium, websocket-client, Pillow (both needed by `make test`), and
fonts for Thai and Chinese (Debian: fonts-thai-tlwg, fonts-wqy-zenhei), which
the demo speaks.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket
from PIL import Image

WIDTH, HEIGHT = 1400, 900
BROWSER = next(filter(None, map(shutil.which, ["chromium", "chromium-browser", "google-chrome"])), None)

OPEN_TAB = """(async () => {
    [...document.querySelectorAll('.o_notebook .nav-link')].find(a => a.textContent.trim() === %s).click();
    await new Promise(resolve => setTimeout(resolve, 1000));  // the tab renders
    const notebook = document.querySelector('.o_notebook');
    for (let box = notebook.parentElement; box; box = box.parentElement) {
        if (box.scrollHeight > box.clientHeight + 10 && getComputedStyle(box).overflowY !== 'visible') {
            box.scrollTop += notebook.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
            break;
        }
    }
})()"""
# the months of the columns, folded into one total column per measure
SCROLL_TO = "document.querySelector(%s).scrollIntoView({block: 'start'}); window.scrollBy(0, -80)"
FOLD_COLUMNS = "document.querySelector('.o_pivot thead .o_pivot_header_cell_opened').click()"

# name, user (None: a visitor), path, selector to wait for, script to run
SHOTS = [
    (
        "ticket_kanban",
        "admin",
        "/odoo/action-service_desk.service_ticket_action_all?view_type=kanban",
        ".o_kanban_record",
        None,
    ),
    (
        "ticket_routing",
        "admin",
        "/odoo/action-service_desk.service_ticket_action_all/{routed_ticket}",
        ".o_form_view",
        OPEN_TAB % '"Routing"',
    ),
    (
        "ticket_remedies",
        "admin",
        "/odoo/action-service_desk.service_ticket_action_all/{remedy_ticket}",
        ".o_form_view",
        OPEN_TAB % '"Remedies"',
    ),
    (
        "ticket_remedy_buttons",
        "admin",
        "/odoo/action-service_desk.service_ticket_action_all/{remedy_ticket}",
        ".o_form_view button[name=action_service_repair]",
        None,
    ),
    (
        "sla_countdown",
        "admin",
        "/odoo/action-service_desk.service_ticket_action_all?view_type=list",
        ".o_data_row",
        None,
    ),
    (
        "ticket_analysis",
        "admin",
        "/odoo/action-service_desk.service_ticket_report_action",
        ".o_pivot thead .o_pivot_header_cell_opened",
        FOLD_COLUMNS,
    ),
    (
        "partner_service_tab",
        "admin",
        "/odoo/action-service_desk.res_partner_action_service_customers/{busy_partner}",
        ".o_form_view",
        OPEN_TAB % '"Service"',
    ),
    (
        "dashboard",
        "admin",
        "/odoo/action-service_desk.service_ticket_report_action_dashboard",
        ".o_graph_renderer canvas",
        None,
    ),
    ("volume_forecast", "admin", "/odoo/action-service_desk.service_volume_forecast_action_server", "canvas", None),
    (
        "cost_of_service",
        "admin",
        "/odoo/action-service_desk.service_remedy_report_action",
        ".o_pivot thead .o_pivot_header_cell_opened",
        None,
    ),
    ("portal_tickets", "portal", "/my/service/tickets", "table", None),
    ("portal_remedy_request", "portal", "/my/service/remedy", "form input[name=line]", None),
    (
        "portal_remedy_progress",
        "portal",
        "/my/service/tickets/{portal_remedy_ticket}",
        ".o_service_remedies",
        SCROLL_TO % '".o_service_remedies"',
    ),
    ("portal_home_thai", "kanya", "/my", ".o_portal_my_home", None),
    ("help_center", None, "/help", "main", None),
]


class Browser:
    def __init__(self, profile):
        port = 9300 + os.getpid() % 500
        self.process = subprocess.Popen(
            [
                BROWSER,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--hide-scrollbars",
                f"--window-size={WIDTH},{HEIGHT}",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for __ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as answer:
                    page = next(t for t in json.load(answer) if t["type"] == "page")
                break
            except (OSError, StopIteration):
                time.sleep(0.2)
        else:
            raise RuntimeError("Chromium did not open its debugging port")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], suppress_origin=True)
        self.counter = 0
        self.call("Page.enable")
        self.call("Network.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def call(self, method, **params):
        self.counter += 1
        self.socket.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.counter:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    def wait_for(self, selector, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(f"!!document.querySelector({json.dumps(selector)})"):
                return
            time.sleep(0.3)
        raise RuntimeError(f"{selector} did not show up")

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait(10)


def compress(path):
    """A palette of 256 colours: screens of flat colours and text keep their
    look at a third of the size."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def session_cookie(base, db, login):
    request = urllib.request.Request(
        f"{base}/web/session/authenticate",
        data=json.dumps({"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": login}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        body = json.load(answer)
        if "error" in body:
            raise RuntimeError(f"{login} cannot log in: {body['error']['data']['message']}")
        for header in answer.headers.get_all("Set-Cookie"):
            if header.startswith("session_id="):
                return header.split(";")[0].split("=", 1)[1]
    raise RuntimeError(f"no session for {login}")


def rpc(base, cookie, model, method, *args, **kwargs):
    request = urllib.request.Request(
        f"{base}/web/dataset/call_kw",
        data=json.dumps(
            {"jsonrpc": "2.0", "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs}}
        ).encode(),
        headers={"Content-Type": "application/json", "Cookie": f"session_id={cookie}"},
    )
    with urllib.request.urlopen(request) as answer:
        body = json.load(answer)
    if "error" in body:
        raise RuntimeError(body["error"]["data"]["message"])
    return body["result"]


def main():
    base, target, db = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    only = set(sys.argv[4:])
    unknown = only - {shot[0] for shot in SHOTS}
    if unknown:
        sys.exit(f"no such screenshot: {', '.join(sorted(unknown))}")
    cookies = {login: session_cookie(base, db, login) for login in ("admin", "portal", "kanya")}
    # the ticket whose routing weighed the most agents, the customer with the most tickets
    routed = rpc(
        base,
        cookies["admin"],
        "service.ticket",
        "search_read",
        [["routing_explanation", "!=", False]],
        ["routing_explanation"],
    )
    routed.sort(key=lambda ticket: ticket["routing_explanation"].count("<tr"), reverse=True)
    partners = rpc(
        base,
        cookies["admin"],
        "service.ticket",
        "formatted_read_group",
        [["commercial_partner_id.is_company", "=", True]],
        ["commercial_partner_id"],
        ["__count"],
        order="__count desc",
        limit=1,
    )
    # the ticket with the most kinds of remedies (return, credit note, repair), then the most remedies
    remedied = rpc(
        base,
        cookies["admin"],
        "service.ticket",
        "search_read",
        ["|", "|", ["picking_ids", "!=", False], ["credit_note_ids", "!=", False], ["repair_ids", "!=", False]],
        ["picking_count", "credit_note_count", "repair_count"],
    )
    counts = ("picking_count", "credit_note_count", "repair_count")
    remedied.sort(key=lambda t: (sum(bool(t[c]) for c in counts), sum(t[c] for c in counts)), reverse=True)
    # the portal customer's latest request with a remedy under way (none on a fresh demo: ask one on the portal first)
    portal_remedied = rpc(
        base,
        cookies["portal"],
        "service.ticket",
        "search_read",
        [["remedy_request", "!=", False]],
        ["id"],
        order="id desc",
        limit=1,
    )
    ids = {
        "portal_remedy_ticket": portal_remedied[0]["id"] if portal_remedied else 0,
        "routed_ticket": routed[0]["id"],
        "busy_partner": partners[0]["commercial_partner_id"][0],
        "remedy_ticket": remedied[0]["id"] if remedied else 0,
    }
    host = base.split("://", 1)[1].split(":")[0]
    # Chromium's helpers may still write in the profile as it closes
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        browser = Browser(profile)
        try:
            for name, user, path, selector, script in SHOTS:
                if only and name not in only:
                    continue
                if "{portal_remedy_ticket}" in path and not ids["portal_remedy_ticket"]:
                    # a command-line script: it says which shot it could not take
                    print(f"{name}: skipped, the portal customer has no remedy request yet")  # pylint: disable=print-used
                    continue
                browser.call("Network.clearBrowserCookies")
                if user:
                    browser.call("Network.setCookie", name="session_id", value=cookies[user], domain=host, path="/")
                browser.call("Page.navigate", url=base + path.format(**ids))
                browser.wait_for(selector)
                if script:
                    browser.evaluate(script)
                time.sleep(2.5)  # fonts, images and animations settle
                shot = browser.call("Page.captureScreenshot", format="png")
                path_png = os.path.join(target, f"{name}.png")
                with open(path_png, "wb") as out:
                    out.write(base64.b64decode(shot["data"]))
                compress(path_png)
                # a command-line script: it lists the screenshots it took
                print(f"{path_png}: {path.format(**ids)}")  # pylint: disable=print-used
        finally:
            browser.close()


if __name__ == "__main__":
    main()
