"""Open311 answers in XML and JSON, the one from the other (the specification's Spark convention).

Data is plain Python: a list is written as a wrapper element holding one element per item, named by
`ITEM_NAMES` (`attributes` → `attribute`, the root `services` → `service`); None is an empty element in
XML and null in JSON; booleans are `true`/`false`. Lists at the top level are bare JSON arrays.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}

ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_name), item)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> str:
    element = ET.Element(root)
    _fill(element, data)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")


def respond(fmt: str, root: str, data, *, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """`data` under the root element `root` (XML), or as JSON. An unknown format answers in XML."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False)
    else:
        fmt = "xml"
        body = to_xml(root, data)
    response = HttpResponse(body.encode(), status=status, content_type=FORMATS[fmt])
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def errors(fmt: str, status: int, *descriptions: str, headers: dict | None = None) -> HttpResponse:
    """The specification's error answer: `<errors><error><code/><description/></error></errors>` or
    `[{"code": 400, "description": "…"}]`, with the same HTTP status."""
    rows = [{"code": status, "description": d} for d in descriptions]
    return respond(fmt, "errors", rows, status=status, headers=headers)
