"""The site's own pages: the front page, and the OpenAPI document as a browser shows it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.views import SpectacularAPIView


def home(request: HttpRequest) -> HttpResponse:
    """What the service is and where everything is; public, it holds no data."""
    return render(request, "home.html")


class SchemaView(SpectacularAPIView):
    """The OpenAPI document. Content negotiation stays DRF's (YAML by default, JSON by
    ``?format=json`` or Accept); only a client that prefers text/html, a browser, gets
    the YAML as text/plain and the JSON as application/json, which browsers show
    instead of downloading (or leaving blank) the OpenAPI media types."""

    shown_as = {"yaml": "text/plain; charset=utf-8", "json": "application/json"}

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
