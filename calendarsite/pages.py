"""The site's own pages: the front page, the OpenAPI document as a browser shows it, and
what the staff week pages share (the admin's frame, the ``?date=`` parameter)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer

from calendarsite.api import EVENTS, make_exception_handler


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """What the service is and where everything is; public, it holds no data."""
    return render(request, "home.html")


_events_errors = make_exception_handler(EVENTS)


class SchemaView(SpectacularAPIView):
    """The OpenAPI document. Content negotiation stays DRF's (YAML by default, JSON by
    ``?format=json`` or Accept); only a client that prefers text/html, a browser, gets
    the YAML as text/plain and the JSON as application/json, which browsers show
    instead of downloading (or leaving blank) the OpenAPI media types."""

    shown_as = {"yaml": "text/plain; charset=utf-8", "json": "application/json"}

    def get_exception_handler(self):
        return _events_errors  # under /api/: 12Twenty's {"Message": ...}

    def perform_content_negotiation(self, request, force=False):
        if force:  # rendering an error (a 406 above all): JSON, as everything under /api/
            return JSONRenderer(), JSONRenderer.media_type
        try:
            return super().perform_content_negotiation(request)
        except Http404:  # DRF's answer to an unknown ?format=, with no text
            formats = " or ".join(dict.fromkeys(r.format for r in self.get_renderers()))
            raise exceptions.NotFound(f"Unknown format; use {formats}.") from None
        except exceptions.NotAcceptable:
            # A client that takes nothing but HTML still prefers to see the document.
            if _prefers_html(request.headers.get("Accept", "")):
                renderer = self.renderer_classes[0]()  # YAML, shown as text
                return renderer, renderer.media_type
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(request, "accepted_renderer", None)
        shown = renderer and self.shown_as.get(renderer.format)
        browser = _prefers_html(request.headers.get("Accept", ""))
        if response.status_code == 200 and shown and browser:
            response.content_type = shown  # before rendering: DRF writes Content-Type from it
        response.setdefault("Vary", "Accept")
        return response


def _prefers_html(accept: str) -> bool:
    """Whether text/html comes before any YAML or OpenAPI type in ``accept`` (by
    q-value, then order), as a browser's navigation does."""
    ranked = []
    for position, item in enumerate(accept.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranked.append((-q, position, media.lower()))
    for _, _, media in sorted(ranked):
        if media == "text/html":
            return True
        if "yaml" in media or "openapi" in media:
            return False
    return False


# --- staff week pages (calendars/pages.py, events/pages.py) --------------------------

# The weeks a staff page can draw: the business-time engine answers for instants in the
# years 2 to 9998 (UTC), so whole weeks in them, a day to spare for any zone's offset.
FIRST_DAY = date(2, 1, 2) + timedelta(days=-date(2, 1, 2).weekday() % 7)  # a Monday
LAST_DAY = date(9998, 12, 30) - timedelta(days=(date(9998, 12, 30).weekday() + 1) % 7)  # Sunday


class BadDate(ValueError):
    """``?date=`` is not a date a week page can show; the message says why."""


def week_monday(value: str | None, today: date) -> date:
    """The Monday of the week holding ``?date=`` (``today`` when absent); BadDate if the
    value is not a date in the years 2 to 9998."""
    if value is None or value == "":
        day = today
    else:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise BadDate(
                f"date must be a calendar date written YYYY-MM-DD, e.g. 2026-06-08; got {value!r}."
            ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BadDate(
            f"date must lie between {FIRST_DAY} and {LAST_DAY} (whole weeks in the years 2 to "
            f"9998); got {value!r}."
        )
    return day - timedelta(days=day.weekday())


def staff_page(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    title: str,
    crumbs: list[tuple[str, str]],
    status: int = 200,
) -> HttpResponse:
    """A staff page in the admin's frame (header, sidebar, breadcrumbs, logout):
    ``crumbs`` are (text, url) pairs after the admin's Home, the last being the page."""
    return render(
        request,
        template,
        {**admin.site.each_context(request), "title": title, "crumbs": crumbs, **context},
        status=status,
    )


def bad_date_page(
    request: HttpRequest, error: BadDate, crumbs: list[tuple[str, str]]
) -> HttpResponse:
    """400: the week page cannot be drawn for that ``?date=``, and why."""
    return staff_page(
        request,
        "staff/bad_date.html",
        {"message": str(error), "this_week": request.path},
        title="Not a week this page can show",
        crumbs=crumbs,
        status=400,
    )
