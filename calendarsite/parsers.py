"""Request parsers. A module of its own: DRF imports it while its settings load, so it
must not import anything that reads those settings (rest_framework.views does)."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's strict JSON parser (no NaN or Infinity), which also refuses nesting too deep
    for the decoder instead of letting RecursionError become a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON nested too deeply.") from None
