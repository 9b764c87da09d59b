"""What a settings change applies to ("This image" / "All images"), the ZIP's warning when its
images were made with different settings, and which controls show for which choices."""

import io
import zipfile

from playwright.sync_api import expect

from tests.browser.helpers import RESULT_TIMEOUT_MS, add_files, card, clear_results, set_form, wait_settled

FIXTURES = "tests/fixtures"


def names(app):
    return app.locator("[data-testid=result] [data-testid=download]").evaluate_all("links => links.map((a) => a.download)")


def test_all_images_changes_every_finished_card_and_this_image_only_one(app):
    clear_results(app)
    set_form(app, scope="all", format="png", background="transparent", product=False)
    add_files(app, [f"{FIXTURES}/coffee.png", f"{FIXTURES}/astronaut.png"])
    wait_settled(app)
    expect(app.locator("[data-testid=scope-count]")).to_have_text("(2)")
    expect(app.locator("[data-testid=editor]")).to_have_attribute("data-name", "coffee.png")

    set_form(app, format="webp")
    for name in ("coffee", "astronaut"):
        expect(card(app, f"{name}.png").locator("[data-testid=download]")).to_have_attribute("download", f"{name}-nobg.webp")
    wait_settled(app)

    renders = card(app, "astronaut.png").get_attribute("data-renders")
    set_form(app, scope="image", format="jpeg")
    expect(card(app, "coffee.png").locator("[data-testid=download]")).to_have_attribute("download", "coffee-nobg.jpg")
    wait_settled(app)
    app.wait_for_timeout(500)  # a rerender of the other one would have started by now
    assert card(app, "astronaut.png").get_attribute("data-renders") == renders
    assert names(app) == ["coffee-nobg.jpg", "astronaut-nobg.webp"]

    # Opening the other image shows its own settings; a change then is its own too.
    card(app, "astronaut.png").locator("[data-testid=open]").click()
    expect(app.locator("#settings [name=format]")).to_have_value("webp")
    set_form(app, format="png")
    expect(card(app, "astronaut.png").locator("[data-testid=download]")).to_have_attribute("download", "astronaut-nobg.png")
    wait_settled(app)
    assert names(app) == ["coffee-nobg.jpg", "astronaut-nobg.png"]
    set_form(app, scope="all")  # every image takes the settings shown
    expect(card(app, "coffee.png").locator("[data-testid=download]")).to_have_attribute("download", "coffee-nobg.png")
    wait_settled(app)


def test_the_zip_warns_when_its_images_were_made_with_different_settings(app):
    clear_results(app)
    set_form(app, scope="all", format="png", background="transparent", product=False)
    add_files(app, [f"{FIXTURES}/coffee.png", f"{FIXTURES}/astronaut.png"])
    wait_settled(app)
    warning = app.locator("[data-testid=zip-warning]")

    # Alike: the ZIP comes at once.
    with app.expect_download() as alike:
        app.locator("[data-testid=download-all]").click()
    assert len(zipfile.ZipFile(open(alike.value.path(), "rb")).namelist()) == 2
    expect(warning).to_be_hidden()

    # One white, one transparent: a warning first, then the ZIP on request.
    set_form(app, scope="image", background="color", background_color="#ffffff")
    wait_settled(app)
    expect(app.locator("[data-testid=editor]")).not_to_have_attribute("data-busy", "true")
    app.locator("[data-testid=download-all]").click()
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("2 different settings")
    with app.expect_download() as mixed:
        warning.locator("button").click()
    with zipfile.ZipFile(io.BytesIO(open(mixed.value.path(), "rb").read())) as archive:
        assert sorted(archive.namelist()) == ["astronaut-nobg.png", "coffee-nobg.png"]
    expect(warning).to_be_hidden()
    set_form(app, scope="all", background="transparent")
    wait_settled(app)


def test_only_the_relevant_controls_show(app):
    clear_results(app)
    add_files(app, [f"{FIXTURES}/coffee.png"])
    wait_settled(app)
    form = app.locator("#settings")
    shown = lambda selector: form.locator(selector).first  # noqa: E731
    swatches, picker = shown(".swatches"), shown("[name=background_color]")
    image, blur = shown("#background-image"), shown("[name=background_blur]")
    quality = shown("[name=quality]")

    set_form(app, background="transparent", format="png")
    for control in (swatches, picker, image, blur, quality):
        expect(control).to_be_hidden()
    expect(form.locator("[name=format] option[value=png]")).to_have_text("PNG — transparent")
    set_form(app, background="color")
    expect(swatches).to_be_visible()
    expect(picker).to_be_visible()
    expect(blur).to_be_hidden()
    set_form(app, background="blur")
    expect(blur).to_be_visible()
    expect(swatches).to_be_hidden()
    expect(form.locator("[name=format] option[value=png]")).to_have_text("PNG — on blurred photo")
    with app.expect_file_chooser() as chooser:  # "Image" without an image opens the picker
        form.locator("[name=background][value=image]").check()
    assert chooser.value.element.get_attribute("id") == "background-image"
    expect(image).to_be_visible()
    set_form(app, background="transparent")

    for format, lossy in (("png", False), ("jpeg", True), ("webp", True), ("mask", False)):
        set_form(app, format=format)
        expect(quality).to_be_visible() if lossy else expect(quality).to_be_hidden()
    set_form(app, format="png")

    product = [shown(f"[name={name}]") for name in ("product_size", "product_aspect", "product_margin")]
    set_form(app, product=False)
    for control in product:
        expect(control).to_be_hidden()
    # Product mode: a white canvas instead of transparent, one click from transparent again.
    set_form(app, product=True)
    for control in product:
        expect(control).to_be_visible()
    expect(form.locator("[name=background][value=color]")).to_be_checked()
    expect(form.locator("[name=background_color]")).to_have_value("#ffffff")
    note = app.locator("[data-testid=product-note]")
    expect(note).to_be_visible()
    # A 600 × 400 photo on a 2000 px canvas: the card says the subject was enlarged.
    expect(card(app, "coffee.png").locator("[data-testid=note]")).to_contain_text(
        "Enlarged beyond its pixels: this photo is 600 × 400 px", timeout=RESULT_TIMEOUT_MS)
    app.locator("[data-testid=product-transparent]").click()
    expect(form.locator("[name=background][value=transparent]")).to_be_checked()
    set_form(app, product=False)

    low, high = shown("[name=threshold_low]"), shown("[name=threshold_high]")
    set_form(app, threshold="auto")
    expect(low).to_be_hidden()
    expect(high).to_be_hidden()
    set_form(app, threshold="manual")
    expect(low).to_be_visible()
    expect(high).to_be_visible()
    # Edges and the command are behind one "Advanced" disclosure.
    expect(form.locator("details:has([data-testid=copy-command]) summary")).to_have_text("Advanced")
    expect(form.locator("details:has([name=refine]) summary")).to_have_text("Advanced")
    set_form(app, threshold="auto")
    wait_settled(app)
