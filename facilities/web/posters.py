"""QR posters: an A4 poster for each premises that opens "Log a fault" there.

The poster names the premises and carries a QR code (made by segno) and the short link it
encodes, `/p/<premises id>/`. The short link needs signing in, like every page, and then
opens the log form with the premises chosen. Office managers print their premises' poster
from its page, as PDF (WeasyPrint) or SVG; contract managers download every poster for a
region as one PDF. Only premises the user may see (`access.premises_visible_to`): any other
is a 404, as if it did not exist.

The PDF carries the QR code as a PNG drawn to whole pixels per module (printed without
smoothing); the SVG carries segno's own vector paths.
"""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from facilities import access
from facilities.access import premises_visible_to
from facilities.models import Premises, Region

CONTENT_TYPES = {"pdf": "application/pdf", "svg": "image/svg+xml"}
#: The premises' name on the SVG poster: this many characters a line, at most this many lines.
NAME_LINE_CHARACTERS = 24
NAME_LINES = 3
#: Pixels per QR module in the PDF's PNG.
PNG_SCALE = 16


# --- The short link and its QR code ---------------------------------------------------------


def short_link(premises: Premises) -> str:
    """The absolute short link a poster's QR code encodes: `SITE_URL/p/<id>/`."""
    return f"{settings.SITE_URL}{reverse('premises_short_link', args=[premises.pk])}"


def qr_code(url: str) -> segno.QRCode:
    """A QR code (never a Micro QR) for the URL; segno raises the error correction level
    as far as the version allows."""
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str) -> str:
    """segno's SVG for the URL: `<svg … viewBox="0 0 N N" …><path …/></svg>`."""
    out = io.BytesIO()
    qr_code(url).save(out, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True)
    return out.getvalue().decode()


def _placed(svg: str, x: float, y: float, size: float) -> str:
    """segno's SVG as a nested <svg> at (x, y), `size` wide and high, on the poster."""
    return svg.replace("<svg ", f'<svg x="{x}" y="{y}" width="{size}" height="{size}" ', 1)


# --- A poster's words ----------------------------------------------------------------------


@dataclass(frozen=True)
class Poster:
    premises: Premises
    url: str  # what the QR code encodes
    shown_url: str  # the URL to type, without https://

    @property
    def name_lines(self) -> list[str]:
        """The premises' name wrapped for the SVG poster (SVG text does not wrap)."""
        lines = textwrap.wrap(self.premises.name, NAME_LINE_CHARACTERS) or [""]
        if len(lines) <= NAME_LINES:
            return lines
        rest = " ".join(lines[NAME_LINES - 1 :])
        return [
            *lines[: NAME_LINES - 1],
            textwrap.shorten(rest, NAME_LINE_CHARACTERS, placeholder=" …"),
        ]

    @property
    def png_data_uri(self) -> str:
        return qr_code(self.url).png_data_uri(scale=PNG_SCALE, border=4)

    @property
    def address(self) -> str:
        lines = [line.strip() for line in self.premises.address.splitlines() if line.strip()]
        return ", ".join([*lines, self.premises.postcode] if self.premises.postcode else lines)


def poster_for(premises: Premises) -> Poster:
    url = short_link(premises)
    return Poster(premises=premises, url=url, shown_url=re.sub(r"^https://", "", url))


def poster_svg(premises: Premises) -> str:
    poster = poster_for(premises)
    return render_to_string(
        "premises/poster.svg",
        {
            "poster": poster,
            "qr": _placed(qr_svg(poster.url), x=50, y=112, size=110),
            # Each line of the name with its baseline, in millimetres from the top.
            "name_lines": [(72 + 11 * n, line) for n, line in enumerate(poster.name_lines)],
            # The link on one line: smaller type for a long one (Arial is about 0.55em a
            # character), never wider than the 180 mm between the margins.
            "url_size": round(min(7.0, 180 / (0.55 * max(len(poster.shown_url), 1))), 2),
            "service_name": settings.SERVICE_NAME,
        },
    )


def posters_pdf(premises: list[Premises]) -> bytes:
    """One A4 page for each premises, in the order given."""
    # Slow to import: only when a PDF is made. The document fetches data: URIs (the QR
    # codes) and nothing else: no network, no files.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(
        "premises/poster.html",
        {"posters": [poster_for(p) for p in premises], "service_name": settings.SERVICE_NAME},
    )
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=html, base_url=settings.SITE_URL, url_fetcher=fetcher).write_pdf()


# --- Pages ----------------------------------------------------------------------------------


def _file(content: bytes | str, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def premises_short_link(request: HttpRequest, pk: int) -> HttpResponse:
    """A poster's QR code: "Log a fault" with the premises chosen (contractors, who cannot
    log faults, get the premises' page)."""
    premises = get_object_or_404(premises_visible_to(request.user), pk=pk)
    if access.is_contractor(request.user):
        return redirect("premises_detail", pk=premises.pk)
    return redirect(f"{reverse('fault_log')}?premises={premises.pk}")


@login_required
@require_safe
def premises_poster(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("No such format.")
    premises = get_object_or_404(premises_visible_to(request.user), pk=pk)
    content = posters_pdf([premises]) if fmt == "pdf" else poster_svg(premises)
    return _file(content, fmt, f"poster-{premises.code}.{fmt}")


@login_required
@require_safe
def region_posters(request: HttpRequest, pk: int) -> HttpResponse:
    """Every poster for the premises the user may see in a region, as one PDF."""
    region = get_object_or_404(Region, pk=pk)
    premises = list(premises_visible_to(request.user).filter(region=region).order_by("name"))
    if not premises:
        raise Http404("No such region.")
    return _file(posters_pdf(premises), "pdf", f"posters-{region.code}.pdf")


def poster_regions(user) -> list[Region]:
    """The regions whose posters a contract manager (or administrator) may download."""
    if not access.is_manager(user):
        return []
    ids = premises_visible_to(user).values("region_id")
    return list(Region.objects.filter(pk__in=ids).order_by("name"))
