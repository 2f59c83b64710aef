"""QR posters: an A4 poster per premises (PDF and SVG) whose QR code opens "Log a fault" there,
a region's posters as one PDF, and nothing outside the user's scope."""

import io
import re
from xml.etree import ElementTree

import pytest
import zxingcpp
from pypdf import PdfReader

from facilities.web import posters
from tests.factories import PremisesFactory

pytestmark = pytest.mark.django_db

A4_POINTS = (595.28, 841.89)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://repairs.example.gov.uk"


def short_url(premises) -> str:
    return f"https://repairs.example.gov.uk/p/{premises.pk}/"


def pdf_of(response) -> PdfReader:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def is_a4(page) -> bool:
    size = (float(page.mediabox.width), float(page.mediabox.height))
    return all(abs(got - want) < 1 for got, want in zip(size, A4_POINTS, strict=True))


def decoded(page) -> list[str]:
    """The text of every QR code in the page's images, read back by zxing-cpp."""
    return [
        found.text
        for image in page.images
        for found in zxingcpp.read_barcodes(image.image.convert("L"))
    ]


# --- The short link ------------------------------------------------------------------------


def test_the_short_link_needs_signing_in(client, premises):
    response = client.get(f"/p/{premises.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/sign-in/?next=/p/{premises.pk}/"


def test_the_short_link_opens_log_a_fault_with_the_premises_chosen(client, office_manager, hostel):
    client.force_login(office_manager)
    response = client.get(f"/p/{hostel.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/faults/new/?premises={hostel.pk}"


def test_the_short_link_of_premises_out_of_scope_is_not_found(
    client, office_manager, other_premises
):
    client.force_login(office_manager)
    assert client.get(f"/p/{other_premises.pk}/").status_code == 404
    assert client.get("/p/999999/").status_code == 404


def test_a_contractor_following_a_poster_gets_the_premises_page(
    client, contractor_user, contract, premises
):
    client.force_login(contractor_user)
    assert client.get(f"/p/{premises.pk}/")["Location"] == f"/premises/{premises.pk}/"


# --- One premises' poster ---------------------------------------------------------------------


def test_the_poster_pdf_is_one_a4_page_whose_qr_code_opens_the_short_link(
    client, office_manager, hostel
):
    client.force_login(office_manager)
    response = client.get(f"/premises/{hostel.pk}/poster.pdf")
    assert response["Content-Disposition"] == f'attachment; filename="poster-{hostel.code}.pdf"'
    reader = pdf_of(response)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert is_a4(page)
    assert decoded(page) == [short_url(hostel)]
    text = page.extract_text()
    assert "Tyne approved premises" in text
    assert "repairs.example.gov.uk/p/" in text
    assert "https://" not in text  # the link to type is shown without it
    assert "Something broken?" in text


def test_the_poster_svg_carries_segnos_qr_code_for_the_short_link(client, office_manager, hostel):
    client.force_login(office_manager)
    response = client.get(f"/premises/{hostel.pk}/poster.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own SVG): well-formed
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == (
        "210mm",
        "297mm",
        "0 0 210 297",
    )
    # segno's own SVG for the short link, placed on the poster unchanged but for its position.
    segno_svg = posters.qr_svg(short_url(hostel))
    assert segno_svg.startswith("<svg ")
    assert segno_svg.removeprefix("<svg ") in svg
    assert re.search(r'<svg x="[\d.]+" y="[\d.]+" width="110" height="110" ', svg)
    assert "Tyne approved premises" in svg
    assert ">repairs.example.gov.uk/p/" in svg


def test_a_long_name_is_wrapped_on_the_svg_poster(office_manager):
    long = PremisesFactory(
        name="Newcastle upon Tyne central probation office, interview suite and "
        "community payback hub"
    )
    lines = posters.poster_for(long).name_lines
    assert len(lines) == posters.NAME_LINES
    assert all(len(line) <= posters.NAME_LINE_CHARACTERS for line in lines)
    assert lines[-1].endswith("…")


def test_posters_of_premises_out_of_scope_are_not_found(client, office_manager, other_premises):
    client.force_login(office_manager)
    for fmt in ("pdf", "svg"):
        assert client.get(f"/premises/{other_premises.pk}/poster.{fmt}").status_code == 404
    assert client.get(f"/premises/{other_premises.pk}/poster.png").status_code == 404


def test_the_premises_page_offers_its_poster(client, office_manager, regional_manager, hostel):
    client.force_login(office_manager)
    html = client.get(f"/premises/{hostel.pk}/").content.decode()
    assert f'href="/premises/{hostel.pk}/poster.pdf" download>' in html
    assert f'href="/premises/{hostel.pk}/poster.svg" download>' in html
    assert "/posters.pdf" not in html  # the region's posters are for contract managers
    client.force_login(regional_manager)
    html = client.get(f"/premises/{hostel.pk}/").content.decode()
    assert f'href="/regions/{hostel.region_id}/posters.pdf" download>' in html


# --- A region's posters --------------------------------------------------------------------------


def test_a_contract_manager_downloads_a_regions_posters_as_one_pdf(
    client, regional_manager, region, premises, hostel, other_premises
):
    client.force_login(regional_manager)
    response = client.get(f"/regions/{region.pk}/posters.pdf")
    assert response["Content-Disposition"] == f'attachment; filename="posters-{region.code}.pdf"'
    reader = pdf_of(response)
    assert len(reader.pages) == 2
    assert all(is_a4(page) for page in reader.pages)
    # In name order, each with its own code and link.
    first, second = (page.extract_text() for page in reader.pages)
    assert "Newcastle probation office" in first
    assert f"repairs.example.gov.uk/p/{premises.pk}/" in first
    assert "Tyne approved premises" in second
    assert f"repairs.example.gov.uk/p/{hostel.pk}/" in second
    # (The pages share their images' resources, so the codes are read from the document.)
    codes = {text for page in reader.pages for text in decoded(page)}
    assert codes == {short_url(premises), short_url(hostel)}
    html = client.get("/").content.decode()
    assert f'href="/regions/{region.pk}/posters.pdf" download>Posters for North East (PDF)' in html


def test_a_regions_posters_are_only_those_the_user_may_see(
    client, regional_manager, national_manager, office_manager, other_region, other_premises, region
):
    client.force_login(regional_manager)
    assert client.get(f"/regions/{other_region.pk}/posters.pdf").status_code == 404
    assert client.get("/regions/999999/posters.pdf").status_code == 404
    client.force_login(national_manager)
    assert len(pdf_of(client.get(f"/regions/{other_region.pk}/posters.pdf")).pages) == 1
    client.force_login(office_manager)
    assert client.get(f"/regions/{other_region.pk}/posters.pdf").status_code == 404
