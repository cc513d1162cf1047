"""What may be published as an image of the plan (issue 20, items 4–6), judged on bytes alone.

A picture the plan refers to must be a regular file inside the plan folder, of an allowed
type, whose content is what its name says; an SVG must hold a picture and nothing that runs
or loads: no script, no event handler, no reference outside the file, no foreignObject.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

MAX_IMAGE_BYTES = 20 * 1024 * 1024
"""Largest image accepted: a plan's figures are kilobytes, a 20 MB one is a mistake."""

ALLOWED = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".svg": "SVG"}
_SIGNATURES = {"PNG": (b"\x89PNG\r\n\x1a\n",), "JPEG": (b"\xff\xd8\xff",),
               "GIF": (b"GIF87a", b"GIF89a")}
_FORBIDDEN_ELEMENTS = {"script": "ein Skript (<script>)",
                       "foreignobject": "fremden Inhalt (<foreignObject>, z. B. HTML)",
                       "iframe": "einen eingebetteten Rahmen (<iframe>)",
                       "embed": "eingebetteten Inhalt (<embed>)",
                       "object": "eingebetteten Inhalt (<object>)",
                       "handler": "einen Ereignis-Handler (<handler>)"}
_LOCAL_REF = re.compile(r"^\s*(#|data:image/(png|jpeg|gif);)", re.I)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.I)


class Irregular(bytes):
    """Stands in for a plan entry that is not a regular file (a link, a device, a pipe): it
    is never read, and `reason` says what it is."""

    reason: str

    def __new__(cls, reason: str) -> Irregular:
        obj = super().__new__(cls, b"")
        obj.reason = reason
        return obj


def suffix_of(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.rfind("/") else ""


def type_problem(name: str) -> str | None:
    """Why a file of this name cannot be an image of the plan, judged by its name alone."""
    if suffix_of(name) in ALLOWED:
        return None
    return (f"Bildtyp {suffix_of(name) or '(ohne Endung)'!r} ist nicht erlaubt; erlaubt sind "
            f"{', '.join(sorted(ALLOWED))}")


def image_problems(name: str, data: bytes) -> list[str]:
    """Why `data` (the file `name`) must not be published as an image; [] when it may."""
    if isinstance(data, Irregular):
        return [data.reason]
    kind = ALLOWED.get(suffix_of(name))
    if kind is None:
        return [type_problem(name)]
    size = getattr(data, "size", len(data))  # frontmatter.Oversize: never read, size known
    if size > MAX_IMAGE_BYTES:
        return [f"Bilddatei ist {size / 1024 / 1024:.1f} MB groß; erlaubt sind höchstens "
                f"{MAX_IMAGE_BYTES // 1024 // 1024} MB"]
    if kind == "SVG":
        return _svg_problems(data)
    if not data.startswith(_SIGNATURES[kind]):
        return [f"Inhalt ist kein {kind}-Bild, obwohl der Name es sagt (die Datei wäre im PDF "
                f"nicht lesbar); bitte die Datei als {kind} speichern oder richtig benennen"]
    damage = _STRUCTURE[kind](data)
    if damage:
        return [f"{kind}-Bild ist beschädigt ({damage}); typst könnte es nicht lesen. Bitte das "
                f"Bild neu speichern"]
    return []


def _png_damage(data: bytes) -> str | None:
    """Walk the chunks: each length, type and CRC must hold, IHDR first, IEND last."""
    import zlib

    pos, first = 8, True
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > len(data):
            return "Datei endet mitten in einem Abschnitt"
        if first and kind != b"IHDR":
            return "Kopfabschnitt IHDR fehlt"
        crc = int.from_bytes(data[end - 4:end], "big")
        if zlib.crc32(data[pos + 4:end - 4]) != crc:
            return f"Prüfsumme des Abschnitts {kind.decode('latin-1')!r} stimmt nicht"
        if kind == b"IEND":
            return None
        pos, first = end, False
    return "Datei endet mitten in einem Abschnitt" if pos < len(data) else \
        "Schlussabschnitt IEND fehlt"


def _jpeg_damage(data: bytes) -> str | None:
    return None if data.rfind(b"\xff\xd9") > 2 else "Endmarke fehlt, die Datei ist abgeschnitten"


def _gif_damage(data: bytes) -> str | None:
    """Only the header (decoders accept a missing trailer)."""
    return None if len(data) > 13 else "Datei endet im Kopf"


_STRUCTURE = {"PNG": _png_damage, "JPEG": _jpeg_damage, "GIF": _gif_damage}


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _svg_problems(data: bytes) -> list[str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ["SVG-Datei ist nicht in UTF-8 kodiert"]
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.I):
        return ["SVG mit DOCTYPE- oder ENTITY-Deklaration ist nicht erlaubt (sie kann fremde "
                "Dateien nachladen); bitte ohne speichern"]
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        return [f"Inhalt ist kein lesbares SVG (Zeile {e.position[0]}: kein gültiges XML)"]
    if _local_name(root.tag) != "svg":
        return ["Inhalt ist kein SVG-Bild (das äußerste Element ist nicht <svg>)"]
    problems: list[str] = []

    def add(message: str) -> None:
        if message not in problems:
            problems.append(message)

    for element in root.iter():
        name = _local_name(element.tag) if isinstance(element.tag, str) else ""
        if name in _FORBIDDEN_ELEMENTS:
            add(f"SVG enthält {_FORBIDDEN_ELEMENTS[name]}; auf der Website liefe es mit")
        for attribute, value in element.attrib.items():
            attr = _local_name(attribute)
            if attr.startswith("on"):
                add(f"SVG enthält einen Ereignis-Handler ({attr}=…); auf der Website liefe er mit")
            elif attr == "href" and not _LOCAL_REF.match(value):
                add(f"SVG verweist auf {value[:60]!r} außerhalb der Datei; nur Verweise "
                    f"innerhalb des Bildes (#…) sind erlaubt")
            elif name in ("set", "animate") and attr == "attributename" and \
                    _local_name(value) == "href":
                add("SVG ändert per Animation einen Verweis (href); das ist nicht erlaubt")
            elif attr == "style":
                _css_problems(value, add)
        if name == "style" and element.text:
            _css_problems(element.text, add)
    return problems


def _css_problems(css: str, add) -> None:
    if "@import" in css.lower():
        add("SVG lädt mit @import fremde Stile nach; das ist nicht erlaubt")
    for target in _CSS_URL.findall(css):
        if target and not _LOCAL_REF.match(target):
            add(f"SVG verweist auf {target[:60]!r} außerhalb der Datei; nur Verweise innerhalb "
                f"des Bildes (#…) sind erlaubt")
