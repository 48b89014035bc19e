"""DRF's JSON parser and renderer, made fast with orjson and answering exactly as before,
for both families. A module DRF imports while its settings load (the default parser), so
it must not import anything that reads those settings (rest_framework.views does).

A 1000-event batch is 250 KB of JSON in and 90 KB out; orjson reads and writes it several
times faster than the standard library. Whatever orjson refuses goes through DRF's own
code, so every body is accepted, refused or rendered as DRF would, with two exceptions
that used to be 500s: nesting too deep for the standard library's recursion is refused as
invalid JSON (400) by both families' parsers, and so, by 12Twenty's, are strings holding
lone UTF-16 surrogates (valid JSON grammar, but no text a database can store).
"""

from __future__ import annotations

import codecs
import io
import json
from typing import Any

import orjson
from django.conf import settings
from rest_framework import parsers, renderers
from rest_framework.exceptions import ParseError

# DRF escapes these two for JavaScript; orjson does not.
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


class JSONParser(parsers.JSONParser):
    """12Twenty's: orjson reads the body; a lone surrogate makes it invalid JSON (it used
    to be a 500). orjson reads an integer past 64 bits as a float, where DRF keeps it an
    integer: the batch's rules answer both alike (tests/events/test_fastjson.py)."""

    # GRS's (GrsJSONParser): every body read by DRF's own parser, values exactly DRF's.
    decode_as_drf = False

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        body = stream.read()
        fast = not self.decode_as_drf
        if fast and self.strict and codecs.lookup(encoding).name == "utf-8":
            try:
                return orjson.loads(body)
            except orjson.JSONDecodeError:
                pass  # DRF's parser decides, and words the error
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
            if fast:
                # Lone surrogates survive json.loads but no UTF-8 encoder.
                json.dumps(data, ensure_ascii=False).encode()
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
        except UnicodeEncodeError:
            raise ParseError("JSON parse error - lone surrogate in a string") from None
        return data


class GrsJSONParser(JSONParser):
    """GRS's (and DRF's default parser): the values DRF's own parser reads, because GRS's
    rules tell what orjson would blur. A lone surrogate is kept, and the rules answer 1000
    "<field> must be valid Unicode text." for its field; an integer past 64 bits stays an
    integer (fixedDate 10**20 is 1016, out of range, not 1002 as the float 1e20 would be).
    Checking orjson's answer for floats costs more than the standard library's whole
    parse, and GRS bodies are small, so orjson is not asked."""

    decode_as_drf = True


class JSONRenderer(renderers.JSONRenderer):
    # Dates and times go to DRF's encoder, so they render exactly as DRF renders them
    # (milliseconds, "Z"). Floats are orjson's shortest round-trip form (1e16 where the
    # standard library writes 1e+16, NaN as null); no events payload has any.
    OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None or self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=self.encoder_class().default, option=self.OPTIONS)
        except TypeError:
            # What orjson cannot write (ints past 64 bits, lone surrogates, exotic
            # types): DRF's renderer answers as it always did.
            return super().render(data, accepted_media_type, renderer_context)
        for raw, escaped in _LINE_SEPARATORS:
            if raw in rendered:
                rendered = rendered.replace(raw, escaped)
        return rendered
