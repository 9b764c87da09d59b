"""What the browser tests do to the app, as a user would: add files, wait, download."""

import io

import numpy as np
from PIL import Image
from playwright.sync_api import expect

#: Booting Pyodide + onnxruntime takes seconds; a cold CI machine gets a generous margin.
READY_TIMEOUT_MS = 120_000
#: One image on WASM takes about a second; leave room for a loaded 2-core machine.
RESULT_TIMEOUT_MS = 120_000
#: The offline panel once everything this device needs offline is cached.
OFFLINE_READY = "[data-testid=offline-status][data-available=true]"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class PageErrors(list):
    """Uncaught errors of a page and its workers, and console errors, as strings."""

    def watch(self, page):
        page.on("pageerror", lambda error: self.append(f"pageerror: {error}"))
        page.on("console", lambda message: message.type == "error" and self.append(f"console: {message.text}"))
        page.on("worker", lambda worker: worker.on(
            "console", lambda message: message.type == "error" and self.append(f"worker: {message.text}")))
        return page


def open_app(context, url, errors):
    """A new page of the app at `url`, loaded and ready; its errors go to `errors`."""
    page = errors.watch(context.new_page())
    page.goto(url)
    expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)
    return page


def add_files(page, files):
    """Choose files with #file-input; `files` are paths or {name, mimeType, buffer} dicts."""
    page.set_input_files("#file-input", files)


def wait_settled(page, also_settled=()):
    """Wait until every card is done or error (or one of `also_settled`, e.g. "cancelled").

    The queue runs one image at a time, so each card gets RESULT_TIMEOUT_MS to settle after the
    one before: a stuck image fails the wait, a batch of 20 on a loaded machine does not.
    """
    states = ("done", "error", *also_settled)
    unsettled = page.locator("[data-testid=result]" + "".join(f":not([data-state={s}])" for s in states))
    while (left := unsettled.count()) > 0:
        expect(unsettled, f"no card settled in {RESULT_TIMEOUT_MS / 1000:.0f} s; {left} still "
                          "unsettled").not_to_have_count(left, timeout=RESULT_TIMEOUT_MS)


def card(page, name):
    """The (last) result card of the file called `name`."""
    return page.locator(f"[data-testid=result][data-name='{name}']").last


def download(page, card_locator):
    """(file name, bytes) of a card's download link, fetched as the user would get it."""
    with page.expect_download() as info:
        card_locator.locator("[data-testid=download]").click()
    item = info.value
    return item.suggested_filename, open(item.path(), "rb").read()


def png_image(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def alpha_mae(a, b):
    """Mean absolute difference of two uint8 alpha arrays, in 1/255 units."""
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def clear_results(page):
    """Start from an empty result list (the button shows only when there are results)."""
    button = page.locator("[data-testid=clear-all]")
    if button.is_visible():
        button.click()
    expect(page.locator("[data-testid=result]")).to_have_count(0)


def open_section(control):
    """Open the closed disclosure (Product photo, Advanced) that holds `control`, as a user would."""
    disclosure = control.locator("xpath=ancestor::details[1]")
    if disclosure.count() and disclosure.get_attribute("open") is None:
        disclosure.locator("summary").click()


def show_settings(app):
    """Make the settings form visible as a user does: asked for before any image ("Choose
    settings before adding photos"), a phone's sheet opened. Returns whether it opened the sheet."""
    if not app.locator("#settings").is_visible():
        app.locator("[data-testid=show-settings]").click()
    toggle = app.locator("[data-testid=settings-toggle]")  # a phone's settings sheet
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
        return True
    return False


def close_sheet(app):
    """Close a phone's settings sheet (it covers the bottom of the editor)."""
    toggle = app.locator("[data-testid=settings-toggle]")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "true":
        toggle.click()


def click_in_settings(app, selector):
    """Click a control of the settings (e.g. one under Advanced) as a user would reach it, and
    leave a phone's sheet as it was."""
    button = app.locator(f"#settings {selector}")
    opened = show_settings(app)
    open_section(button)
    button.click()
    if opened:
        close_sheet(app)


def copy_command(app):
    """Click "Copy settings as a command" (under Advanced) and return the command it shows."""
    button = app.locator("[data-testid=copy-command]")
    show_settings(app)
    open_section(button)
    button.click()
    shown = app.locator("[data-testid=command-line]")
    shown.wait_for(state="visible")
    return shown.text_content()


def set_form(app, **values):
    """Change settings as a user does (one input event each), opening a closed disclosure first.

    Before any image the settings are hidden: they are asked for as a user does ("Choose settings
    before adding photos"). A control that the choices make irrelevant stays in the form, hidden
    (js/page/relevance.js): it is set there, with the input event a user's change would send.
    """
    show_settings(app)
    for name, value in values.items():
        field = app.locator(f"#settings [name={name}]")
        open_section(field.first)
        kind = field.first.get_attribute("type")
        if not field.first.is_visible():
            field.first.evaluate("""(e, value) => {
                if (e.type === 'checkbox') e.checked = value; else e.value = String(value);
                e.dispatchEvent(new Event('input', { bubbles: true }));
                e.dispatchEvent(new Event('change', { bubbles: true }));
            }""", value)
            continue
        if kind == "radio":
            app.locator(f"#settings [name={name}][value={value}]").check()
        elif kind == "checkbox":
            field.set_checked(value)
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(str(value))
