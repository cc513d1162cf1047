"""The bad-input suite (issue 20): hostile and broken input, each case with its exact message.

Every case runs the real command line (`pipeline.cli.main`) on a copy of a fixture plan and
asserts: the documented exit code, the expected lines word for word, no traceback and no
"Interner Fehler", and not one byte of the plan changed (links and pipes compared as such,
never followed). Together with the `lip check` fixtures in tests/data/check/ (test_check.py)
these are well over 80 cases.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import PLANS
from support.checkcases import case_names

from pipeline.cli import main

BILDUNG = "11-bildung.md"
HEADING = "## 1.1 Elementarbereich\n"
REFERENCE_LINE = 22  # where `refer` puts an image in the minimal plan's 11-bildung.md
SVG_HEAD = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
LINK_HINT = ("lip liest und veröffentlicht nur gewöhnliche Dateien im Ordner des Plans, bitte "
             "die Datei selbst hineinlegen")
TYPES_HINT = "erlaubt sind .gif, .jpeg, .jpg, .png, .svg"


def edit(plan: Path, name: str, old: str, new: str) -> None:
    path = plan / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def refer(plan: Path, src: str) -> None:
    edit(plan, BILDUNG, HEADING, f"{HEADING}\n![Abbildung]({src})\n")


def image(name: str, data: bytes) -> Callable[[Path], None]:
    def setup(plan: Path) -> None:
        (plan / "bilder").mkdir(exist_ok=True)
        (plan / "bilder" / name).write_bytes(data)
        refer(plan, f"bilder/{name}")
    return setup


def svg(inner: bytes) -> Callable[[Path], None]:
    return image("bild.svg", SVG_HEAD + inner + b"</svg>")


def linked_image(target: str, name: str = "karte.png") -> Callable[[Path], None]:
    def setup(plan: Path) -> None:
        (plan / "bilder").mkdir(exist_ok=True)
        (plan / "bilder" / name).symlink_to(target)
        refer(plan, f"bilder/{name}")
    return setup


def head(value: str, key: str = "federfuehrung: Dez. IV") -> Callable[[Path], None]:
    return lambda plan: edit(plan, BILDUNG, key, value)


def body(old: str, new: str) -> Callable[[Path], None]:
    return lambda plan: edit(plan, BILDUNG, old, new)


def raw_body(data: bytes) -> Callable[[Path], None]:
    def setup(plan: Path) -> None:
        path = plan / BILDUNG
        path.write_bytes(path.read_bytes().replace(b"Bildung \xc3\xb6ffnet Wege", data, 1))
    return setup


def manifest(old: str, new: str) -> Callable[[Path], None]:
    return lambda plan: edit(plan, "lip.yaml", old, new)


def several(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(plan: Path) -> None:
        for step in steps:
            step(plan)
    return setup


@dataclass
class Case:
    name: str
    setup: Callable[[Path], None]
    lines: list[str]
    code: int = 1
    args: tuple[str, ...] = ("check",)
    plan: str = "minimal"
    git: bool = False


def _png() -> bytes:
    """A real 1×1 PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


PNG = _png()


def image_error(problem: str, src: str = "bilder/bild.svg") -> str:
    return f"plan/11-bildung.md:{REFERENCE_LINE}: bild: Bilddatei '{src}': {problem}"


def head_error(line: int, field_: str, message: str) -> str:
    return f"plan/11-bildung.md:{line}: {field_}: {message}"


TAG_HINT = "ist im Kopf nicht erlaubt; erlaubt sind Text, Zahlen, Datumsangaben, Listen und " \
           "Schlüssel-Wert-Paare"
DEEP = "Kopf ist zu tief verschachtelt; erlaubt sind höchstens 40 Ebenen"
INVISIBLE = "es ist unsichtbar oder ungültig und bricht Ausgaben; bitte entfernen"
MARKER = "aus einem Git-Merge: die Datei enthält zwei Fassungen; den Konflikt auflösen und die " \
         "Marken entfernen"
CONTROL = "unsichtbar im Editor, bricht PDF und Website; bitte entfernen"


def fifo(rel: str) -> Callable[[Path], None]:
    def setup(plan: Path) -> None:
        (plan / rel).parent.mkdir(exist_ok=True)
        if (plan / rel).exists():
            (plan / rel).unlink()
        os.mkfifo(plan / rel)
    return setup


def sparse_png(plan: Path) -> None:
    (plan / "bilder").mkdir()
    with open(plan / "bilder" / "riesig.png", "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.truncate(21 * 1024 * 1024)
    refer(plan, "bilder/riesig.png")


def linked_folder(plan: Path) -> None:
    outside = plan.parent / "privat"
    outside.mkdir()
    (outside / "geheim.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (plan / "bilder").mkdir()
    (plan / "bilder" / "extern").symlink_to(outside)
    refer(plan, "bilder/extern/geheim.png")


def linked_chapter(plan: Path) -> None:
    outside = plan.parent / "fremd.md"
    (plan / BILDUNG).rename(outside)
    (plan / BILDUNG).symlink_to(outside)


def linked_manifest(plan: Path) -> None:
    outside = plan.parent / "fremd.yaml"
    (plan / "lip.yaml").rename(outside)
    (plan / "lip.yaml").symlink_to(outside)


def linked_inside(plan: Path) -> None:
    (plan / "bilder").mkdir()
    (plan / "bilder" / "echt.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (plan / "bilder" / "karte.png").symlink_to("echt.png")
    refer(plan, "bilder/karte.png")


CASES = [
    # --- files that are not regular files inside the plan (items 4, 5) ----------------------
    Case("bild-link-auf-etc-passwd", linked_image("/etc/passwd"), [image_error(
        f"ist ein symbolischer Link (auf '/etc/passwd'); {LINK_HINT}", "bilder/karte.png")]),
    Case("bild-link-auf-dev-zero", linked_image("/dev/zero"), [image_error(
        f"ist ein symbolischer Link (auf '/dev/zero'); {LINK_HINT}", "bilder/karte.png")]),
    Case("bild-link-innerhalb-des-plans", linked_inside, [image_error(
        f"ist ein symbolischer Link (auf 'echt.png'); {LINK_HINT}", "bilder/karte.png")]),
    Case("bild-in-verlinktem-ordner", linked_folder, [
        "plan/11-bildung.md:22: bild: Bilddatei 'bilder/extern/geheim.png' liegt im Ordner "
        "'bilder/extern', und der ist ein symbolischer Link (auf '{outside}'); " + LINK_HINT]),
    Case("bild-ist-eine-pipe", several(fifo("bilder/rohr.png"), lambda plan: refer(plan, "bilder/rohr.png")),
         [image_error("ist keine gewöhnliche Datei (sondern ein Gerät, eine Pipe oder ein Socket); "
                      "lip liest nur gewöhnliche Dateien", "bilder/rohr.png")]),
    Case("kapitel-als-link-nach-aussen", linked_chapter, [
        f"plan/11-bildung.md:1: datei: Datei ist ein symbolischer Link (auf '{{outside}}'); {LINK_HINT}"]),
    Case("kapitel-ist-eine-pipe", fifo(BILDUNG), [
        "plan/11-bildung.md:1: datei: Datei ist keine gewöhnliche Datei (sondern ein Gerät, eine "
        "Pipe oder ein Socket); lip liest nur gewöhnliche Dateien"]),
    Case("manifest-als-link", linked_manifest, [
        f"plan/lip.yaml:1: datei: Manifest ist ein symbolischer Link (auf '{{outside}}'); {LINK_HINT}"]),
    # --- images whose type or content is wrong (items 5, 6) --------------------------------
    Case("text-datei-als-png", image("kaputt.png", b"kein Bild"), [image_error(
        "Inhalt ist kein PNG-Bild, obwohl der Name es sagt (die Datei wäre im PDF nicht lesbar); "
        "bitte die Datei als PNG speichern oder richtig benennen", "bilder/kaputt.png")]),
    Case("png-abgeschnitten", image("karte.png", PNG[:40]), [image_error(
        "PNG-Bild ist beschädigt (Datei endet mitten in einem Abschnitt); typst könnte es nicht "
        "lesen. Bitte das Bild neu speichern", "bilder/karte.png")]),
    Case("png-falsche-pruefsumme", image("karte.png", PNG[:30] + b"\xff" + PNG[31:]), [image_error(
        "PNG-Bild ist beschädigt (Prüfsumme des Abschnitts 'IHDR' stimmt nicht); typst könnte es "
        "nicht lesen. Bitte das Bild neu speichern", "bilder/karte.png")]),
    Case("jpeg-abgeschnitten", image("foto.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"), [image_error(
        "JPEG-Bild ist beschädigt (Endmarke fehlt, die Datei ist abgeschnitten); typst könnte es "
        "nicht lesen. Bitte das Bild neu speichern", "bilder/foto.jpg")]),
    Case("echtes-png-ist-in-ordnung", image("karte.png", PNG), ["Plan ist in Ordnung."], code=0),
    Case("png-als-jpg", image("foto.jpg", b"\x89PNG\r\n\x1a\n"), [image_error(
        "Inhalt ist kein JPEG-Bild, obwohl der Name es sagt (die Datei wäre im PDF nicht lesbar); "
        "bitte die Datei als JPEG speichern oder richtig benennen", "bilder/foto.jpg")]),
    Case("text-als-gif", image("bewegt.gif", b"GIF00"), [image_error(
        "Inhalt ist kein GIF-Bild, obwohl der Name es sagt (die Datei wäre im PDF nicht lesbar); "
        "bitte die Datei als GIF speichern oder richtig benennen", "bilder/bewegt.gif")]),
    Case("html-als-bild", image("seite.html", b"<script>alert(1)</script>"), [image_error(
        f"Bildtyp '.html' ist nicht erlaubt; {TYPES_HINT}", "bilder/seite.html")]),
    Case("bmp-als-bild", image("alt.bmp", b"BM"), [image_error(
        f"Bildtyp '.bmp' ist nicht erlaubt; {TYPES_HINT}", "bilder/alt.bmp")]),
    Case("bild-ohne-endung", image("karte", b"\x89PNG\r\n\x1a\n"), [image_error(
        f"Bildtyp '(ohne Endung)' ist nicht erlaubt; {TYPES_HINT}", "bilder/karte")]),
    Case("bild-21-mb", sparse_png, [image_error(
        "Bilddatei ist 21.0 MB groß; erlaubt sind höchstens 20 MB", "bilder/riesig.png")]),
    # --- SVG that would run or load something (item 5) -------------------------------------
    Case("svg-mit-script", svg(b"<script>alert(1)</script>"), [image_error(
        "SVG enthält ein Skript (<script>); auf der Website liefe es mit")]),
    Case("svg-mit-onload", svg(b'<rect onload="alert(1)" width="1" height="1"/>'), [image_error(
        "SVG enthält einen Ereignis-Handler (onload=…); auf der Website liefe er mit")]),
    Case("svg-mit-externem-bild", svg(b'<image href="https://example.org/x.png"/>'), [image_error(
        "SVG verweist auf 'https://example.org/x.png' außerhalb der Datei; nur Verweise "
        "innerhalb des Bildes (#…) sind erlaubt")]),
    Case("svg-mit-xlink-use", svg(b'<use xlink:href="fremd.svg#a"/>'), [image_error(
        "SVG verweist auf 'fremd.svg#a' außerhalb der Datei; nur Verweise innerhalb des Bildes "
        "(#…) sind erlaubt")]),
    Case("svg-mit-javascript-link", svg(b'<a href="javascript:alert(1)"><rect/></a>'), [image_error(
        "SVG verweist auf 'javascript:alert(1)' außerhalb der Datei; nur Verweise innerhalb des "
        "Bildes (#…) sind erlaubt")]),
    Case("svg-mit-foreignobject", svg(b"<foreignObject><p>x</p></foreignObject>"), [image_error(
        "SVG enthält fremden Inhalt (<foreignObject>, z. B. HTML); auf der Website liefe es mit")]),
    Case("svg-mit-css-import", svg(b"<style>@import url(https://example.org/a.css);</style>"), [
        image_error("SVG lädt mit @import fremde Stile nach; das ist nicht erlaubt"),
        image_error("SVG verweist auf 'https://example.org/a.css' außerhalb der Datei; nur "
                    "Verweise innerhalb des Bildes (#…) sind erlaubt")]),
    Case("svg-mit-css-url", svg(b'<rect style="fill:url(https://example.org/f)"/>'), [image_error(
        "SVG verweist auf 'https://example.org/f' außerhalb der Datei; nur Verweise innerhalb "
        "des Bildes (#…) sind erlaubt")]),
    Case("svg-mit-set-href", svg(b'<a><set attributeName="href" to="javascript:alert(1)"/></a>'),
         [image_error("SVG ändert per Animation einen Verweis (href); das ist nicht erlaubt")]),
    Case("svg-mit-entity", image("bild.svg", b'<!DOCTYPE svg [<!ENTITY x SYSTEM "/etc/passwd">]>'
                                 + SVG_HEAD + b"<text>&x;</text></svg>"), [image_error(
        "SVG mit DOCTYPE- oder ENTITY-Deklaration ist nicht erlaubt (sie kann fremde Dateien "
        "nachladen); bitte ohne speichern")]),
    Case("svg-kein-xml", image("bild.svg", b"<svg><rect></svg>"), [image_error(
        "Inhalt ist kein lesbares SVG (Zeile 1: kein gültiges XML)")]),
    Case("svg-ist-html", image("bild.svg", b"<html><body>x</body></html>"), [image_error(
        "Inhalt ist kein SVG-Bild (das äußerste Element ist nicht <svg>)")]),
    # --- heads that later commands choked on (items 6, 9) ----------------------------------
    Case("titel-mit-halbem-ersatzzeichen", head('titel: "Ziele \\uD800"', "titel: Bildung"), [
        head_error(5, "titel", "Wert enthält das Zeichen U+D800 (halbes Ersatzzeichenpaar, kein "
                   f"gültiges Zeichen); {INVISIBLE}")]),
    Case("titel-mit-nul", head('titel: "Bil\\0dung"', "titel: Bildung"), [
        head_error(5, "titel", f"Wert enthält das Zeichen U+0000 (NUL); {INVISIBLE}")]),
    Case("steuerzeichen-im-kopf", head("federfuehrung: Dez.\x01 IV"), [head_error(
        9, "kopf", "Kopf enthält das Steuerzeichen U+0001; es ist im Editor unsichtbar und in "
        "YAML nicht erlaubt; bitte entfernen")]),
    Case("schluessel-mit-steuerzeichen", head('federfuehrung: Dez. IV\n"x\\x07": 1'), [head_error(
        2, "kopf", "Schlüssel enthält das Zeichen U+0007; bitte entfernen")]),
    Case("tag-binary", head("federfuehrung: !!binary SGFsbG8="), [
        head_error(9, "federfuehrung", f"YAML-Typ !!binary {TAG_HINT}")]),
    Case("tag-set", head("federfuehrung: !!set {a, b}"), [
        head_error(9, "federfuehrung", f"YAML-Typ !!set {TAG_HINT}")]),
    Case("tag-python-object", head("federfuehrung: !!python/object:os.system [id]"), [
        head_error(9, "federfuehrung", f"YAML-Typ !!python/object:os.system {TAG_HINT}")]),
    Case("tag-eigener", head("federfuehrung: !geheim Dez. IV"), [
        head_error(9, "federfuehrung", f"YAML-Typ !geheim {TAG_HINT}")]),
    Case("tag-binary-im-manifest", manifest("titel: Lokaler Integrationsplan (Testplan)",
                                            "titel: !!binary SGFsbG8="), [
        f"plan/lip.yaml:2: titel: YAML-Typ !!binary {TAG_HINT}"]),
    Case("liste-20000-ebenen", head("federfuehrung: " + "[" * 20000 + "]" * 20000), [
        head_error(9, "kopf", DEEP)]),
    Case("mapping-5000-ebenen", head("federfuehrung: " + "{a: " * 5000 + "1" + "}" * 5000), [
        head_error(9, "kopf", DEEP)]),
    Case("block-60-ebenen", head("federfuehrung:\n" + "".join(" " * i + "- \n" for i in range(60))
                                 + " " * 60 + "x"), [head_error(49, "kopf", DEEP)]),
    Case("manifest-5000-ebenen", manifest("titel: Lokaler Integrationsplan (Testplan)",
                                          "titel: " + "[" * 5000 + "]" * 5000), [
        f"plan/lip.yaml:2: kopf: {DEEP}"]),
    # --- text that breaks the PDF or the line numbers (items 6, 13) ------------------------
    Case("nul-im-text", raw_body(b"Bildung\x00 \xc3\xb6ffnet Wege"), [head_error(
        18, "text", f"Text enthält das Steuerzeichen U+0000 (NUL); {CONTROL}")]),
    Case("vt-ff-im-text", raw_body(b"Bildung\x0b\xc3\xb6ffnet\x0c Wege"), [head_error(
        18, "text", "Text enthält die Steuerzeichen U+000B (vertikaler Tabulator), U+000C "
        f"(Seitenvorschub); {CONTROL}")]),
    Case("zeilen-nach-vt-wie-im-editor", several(
        raw_body(b"Bildung\x0b\xc3\xb6ffnet\x0c Wege\xc2\x85 in \xe2\x80\xa8 Ausbildung"),
        body(HEADING, f"{HEADING}\nSiehe [dort](#kap-gibt-es-nicht).\n")), [
        head_error(18, "text", "Text enthält die Steuerzeichen U+000B (vertikaler Tabulator), "
                   f"U+000C (Seitenvorschub), U+0085 (Zeilenende NEL); {CONTROL}"),
        head_error(18, "text", "Warnung: Text enthält U+2028 (LINE SEPARATOR): ein Umbruch, den "
                   "Editoren nicht als neue Zeile zeigen; bitte durch einen Zeilenumbruch oder "
                   "ein Leerzeichen ersetzen"),
        head_error(22, "verweis", "Verweis auf '#kap-gibt-es-nicht' führt ins Leere; es gibt "
                   "keinen solchen Anker (Kapitel: #kap-<id>, Abschnitt: #abschnitt-1-2, "
                   "Maßnahme: #m-1-2-3)")]),
    Case("nur-zeilentrenner-ist-eine-warnung", raw_body(b"Bildung \xe2\x80\xa9 Wege"), [
        head_error(18, "text", "Warnung: Text enthält U+2029 (PARAGRAPH SEPARATOR): ein Umbruch, "
                   "den Editoren nicht als neue Zeile zeigen; bitte durch einen Zeilenumbruch "
                   "oder ein Leerzeichen ersetzen")], code=0),
    Case("genderstern-im-titel", head("titel: Wirtschaft für Migrant*innen", "titel: Bildung"),
         ["Plan ist in Ordnung."], code=0),
    Case("genderstern-im-titel-baut", head("titel: Wirtschaft für Migrant*innen", "titel: Bildung"),
         [], code=0, args=("build", "--format", "pdf", "--quiet", "--output", "{out}")),
    # --- git conflict markers (item 7) -----------------------------------------------------
    Case("konfliktmarken-im-text", body("Bildung öffnet Wege", "<<<<<<< HEAD\nBildung öffnet "
                                        "Wege\n=======\nBildung öffnet Türen\n>>>>>>> zweig\n"), [
        f"plan/11-bildung.md:18: datei: Konfliktmarke '<<<<<<<' {MARKER}",
        f"plan/11-bildung.md:20: datei: Konfliktmarke '=======' {MARKER}",
        f"plan/11-bildung.md:22: datei: Konfliktmarke '>>>>>>>' {MARKER}"]),
    Case("konfliktmarken-im-kopf", head("<<<<<<< HEAD\ntitel: Bildung\n=======\ntitel: Lernen\n"
                                        ">>>>>>> zweig", "titel: Bildung"), [
        f"plan/11-bildung.md:5: datei: Konfliktmarke '<<<<<<<' {MARKER}",
        f"plan/11-bildung.md:7: datei: Konfliktmarke '=======' {MARKER}",
        f"plan/11-bildung.md:9: datei: Konfliktmarke '>>>>>>>' {MARKER}"]),
    Case("konfliktmarken-im-manifest", manifest("titel: Lokaler Integrationsplan (Testplan)",
                                                "<<<<<<< HEAD\ntitel: A\n=======\ntitel: B\n"
                                                ">>>>>>> zweig"), [
        f"plan/lip.yaml:2: datei: Konfliktmarke '<<<<<<<' {MARKER}",
        f"plan/lip.yaml:4: datei: Konfliktmarke '=======' {MARKER}",
        f"plan/lip.yaml:6: datei: Konfliktmarke '>>>>>>>' {MARKER}"]),
    # --- writers of build/ (items 5, 9) ----------------------------------------------------
    Case("site-kapitel-id-nach-aussen", head('id: "../../../x"', "id: bildung"), [
        "plan/11-bildung.md:3: id: '../../../x' ist kein sicherer Dateiname (erlaubt: "
        "Kleinbuchstaben, Ziffern und '-'); die Website wird damit auch mit --trotz-fehlern nicht "
        "gebaut"], args=("site", "--trotz-fehlern", "--ausgabe", "{out}")),
    Case("site-kapitel-id-absolut", head('id: "/tmp/x"', "id: bildung"), [
        "plan/11-bildung.md:3: id: '/tmp/x' ist kein sicherer Dateiname (erlaubt: "
        "Kleinbuchstaben, Ziffern und '-'); die Website wird damit auch mit --trotz-fehlern nicht "
        "gebaut"], args=("site", "--trotz-fehlern", "--ausgabe", "{out}")),
    Case("build-mit-bild-link", linked_image("/etc/passwd"), [image_error(
        f"ist ein symbolischer Link (auf '/etc/passwd'); {LINK_HINT}", "bilder/karte.png")],
         args=("build", "--format", "html", "--quiet")),
    Case("redline-dev-zero", lambda plan: None, [
        "Fehler: /dev/zero ist keine gewöhnliche Datei (sondern ein Gerät, eine Pipe oder ein "
        "Socket); bitte eine Markdown-Datei angeben"],
         args=("redline", "--dateien", "/dev/zero", "{plan}/11-bildung.md", "--ausgabe", "{out}")),
    Case("redline-pipe", fifo("rohr.md"), [
        "Fehler: {plan}/rohr.md ist keine gewöhnliche Datei (sondern ein Gerät, eine Pipe oder "
        "ein Socket); bitte eine Markdown-Datei angeben"],
         args=("redline", "--dateien", "{plan}/rohr.md", "{plan}/11-bildung.md", "--ausgabe",
               "{out}")),
]

# --- recording commands on a real repository (items 1, 3, 7, 8, 10) --------------------------

HALTUNG = "01-haltung.md"


def _git(plan: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(plan.parent), *args], check=True, capture_output=True,
                          text=True).stdout


def _commit(plan: Path, message: str) -> None:
    _git(plan, "add", "-A")
    _git(plan, "commit", "-q", "-m", message)


def _recorded(plan: Path) -> None:
    assert main_code(["vorlegen", "haltung", "--plan", str(plan), "--datum", "2020-02-01"]) == 0
    assert main_code(["entscheiden", "haltung", "--angenommen", "--plan", str(plan),
                      "--datum", "2020-03-01"]) == 0


def main_code(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def removed_decision(plan: Path) -> None:
    _recorded(plan)
    text = (plan / HALTUNG).read_text()
    start, end = text.index("  entscheidungen:\n"), text.index("  stellungnahmen:")
    (plan / HALTUNG).write_text(text[:start] + "  entscheidungen: []\n" + text[end:])
    _commit(plan, "aufgeräumt")


def pinned_missing_commit(plan: Path) -> None:
    """Beside real records, a submission written by hand that pins a commit the repository
    never had."""
    from pipeline.plan import load_chapter

    _recorded(plan)
    text_sha = load_chapter(BILDUNG, (plan / BILDUNG).read_bytes()).text_sha256
    edit(plan, BILDUNG, "  vorlagen: []", "  vorlagen:\n    - datum: 2020-02-01\n"
         "      gremium: eg-grundlagen\n      stand:\n"
         "        commit: 0123456789abcdef0123456789abcdef01234567\n"
         f"        text_sha256: {text_sha}".replace("eg-grundlagen", "eg-bildung"))
    _commit(plan, "von Hand")


def broken_manifest(plan: Path) -> None:
    edit(plan, "lip.yaml", "    rolle: entscheidet", "    rolle: entscheidet nicht")
    _commit(plan, "Manifest")


def markers_in_chapter(plan: Path) -> None:
    edit(plan, HALTUNG, "Hannover versteht", "<<<<<<< HEAD\nHannover\n=======\nDie Stadt\n"
                                             ">>>>>>> zweig\nversteht")
    _commit(plan, "Konflikt eingecheckt")


def missing_object(plan: Path) -> None:
    """The draft's blob deleted from the object store: a damaged or half-fetched repository."""
    assert main_code(["vorlegen", "haltung", "--plan", str(plan), "--datum", "2020-02-01"]) == 0
    blob = _git(plan, "rev-parse", "HEAD~1:plan/01-haltung.md").strip()
    (plan.parent / ".git" / "objects" / blob[:2] / blob[2:]).unlink()


REPO_CASES = [
    Case("fehlendes-git-objekt", missing_object, [
        "Fehler: Git-Objekt {ENTWURF_BLOB} fehlt im Repository (beschädigt oder nur teilweise "
        "geholt); 'git fsck' zeigt den Schaden, 'git fetch' holt fehlende Objekte vom Server"],
         code=3),
    Case("verlauf-mit-fehlendem-git-objekt", missing_object, [
        "Fehler: Git-Objekt {ENTWURF_BLOB} fehlt im Repository (beschädigt oder nur teilweise "
        "geholt); 'git fsck' zeigt den Schaden, 'git fetch' holt fehlende Objekte vom Server"],
         code=3, args=("verlauf", "haltung")),
    Case("entfernte-entscheidung", removed_decision, [
        "plan/01-haltung.md:19: review.entscheidungen[0]: Eintrag (01.03.2020, Lenkungsgruppe, "
        "angenommen) aus Commit {HEAD~1} wurde entfernt; der Beratungsverlauf wird nur ergänzt. "
        "Die Datei mit dem Eintrag zurückholen: git checkout {HEAD~1} -- plan/01-haltung.md "
        "(verwirft spätere Änderungen an der Datei), oder die Berichtigung begründet festhalten: "
        "lip berichtigen haltung --grund \"…\""]),
    Case("eintrag-mit-unbekanntem-commit", pinned_missing_commit, [
        "plan/11-bildung.md:17: review.vorlagen[0].stand.commit: Commit 0123456789 gibt es in "
        "diesem Repository nicht; bitte den Commit der gemeinten Fassung eintragen (git log "
        "--oneline) oder die fehlende Historie holen (git fetch)"]),
    Case("vorlegen-bei-kaputtem-manifest", broken_manifest, [
        "plan/lip.yaml:24: gremien.lenkungsgruppe.rolle: erwartet einen von ['verfasst', "
        "'entscheidet', 'nimmt Stellung', 'beschließt', 'zur Kenntnis'], gefunden 'entscheidet "
        "nicht'", "1 Problem im Plan; Details mit 'lip check'."],
         args=("vorlegen", "haltung")),
    Case("vorlegen-mit-konfliktmarken", markers_in_chapter, [
        f"plan/01-haltung.md:18: datei: Konfliktmarke '<<<<<<<' {MARKER}",
        "3 Probleme im Plan; Details mit 'lip check'."], args=("vorlegen", "haltung")),
    Case("entscheiden-ohne-vorlage", lambda plan: None, [
        "Fehler: Kapitel A Haltung der Stadt (Stand: Entwurf): Annehmen nicht möglich – das "
        "Kapitel wurde der Lenkungsgruppe nie vorgelegt. Stattdessen: erst vorlegen: lip "
        "vorlegen haltung."], args=("entscheiden", "haltung", "--angenommen")),
    Case("unbekanntes-kapitel", lambda plan: None, [
        "Fehler: Kapitel 'xyz' nicht gefunden; vorhanden: haltung, bildung"], code=2,
         args=("vorlegen", "xyz")),
    Case("unbekanntes-gremium", lambda plan: None, [
        "Fehler: 'presse' ist kein Gremium, das Stellung nimmt (Rolle 'nimmt Stellung' in "
        "plan/lip.yaml); möglich: gleichstellungsbeauftragte, integrationsbeiraete, rtgs"],
         args=("stellungnahme", "haltung", "--gremium", "presse", "--text", "Gut.")),
    Case("stellungnahme-aus-dev-zero", lambda plan: None, [
        "Fehler: /dev/zero: eine Stellungnahme als Datei muss Markdown sein (.md)"],
         args=("stellungnahme", "haltung", "--gremium", "rtgs", "--datei", "/dev/zero")),
    Case("vorlegen-mit-offener-aenderung", lambda plan: edit(plan, HALTUNG, "Hannover", "Wir"), [
        "Fehler: plan/01-haltung.md hat Änderungen, die noch nicht committet sind. Ein Eintrag "
        "im Beratungsverlauf muss eine committete Fassung festhalten. Erst committen (git commit "
        "plan/01-haltung.md) oder mit --commit SHA die gemeinte Fassung angeben."],
         args=("vorlegen", "haltung")),
    Case("datum-ohne-tag", lambda plan: None, [
        "Fehler: Ungültiger Wert für '--datum': '2020-02-30' ist kein Datum; erwartet TT.MM.JJJJ "
        "oder JJJJ-MM-TT, z. B. 18.11.2020"], code=2, args=("vorlegen", "haltung", "--datum", "2020-02-30")),
    Case("redline-unbekannte-revision", lambda plan: None, [
        "Fehler: 'v9' ist weder eine Fassung noch ein Commit; Fassungen: (keine benannt); sonst "
        "ein Commit oder Tag (git log --oneline)"], code=2,
         args=("redline", "v9", "--ausgabe", "{out}")),
    Case("build-unbekannte-revision", lambda plan: None, [
        "Fehler: 'v9' ist weder eine Fassung noch ein Commit; Fassungen: (keine benannt); sonst "
        "ein Commit oder Tag (git log --oneline)"], code=2,
         args=("build", "--rev", "v9", "--output", "{out}")),
    Case("berichtigen-ohne-aenderung", lambda plan: None, [
        "Fehler: plan/01-haltung.md: die Einträge im Beratungsverlauf sind gegenüber dem letzten "
        "Commit unverändert; erst die Einträge im Kopf berichtigen, dann 'lip berichtigen haltung "
        "--grund \"…\"' aufrufen"], args=("berichtigen", "haltung", "--grund", "Tippfehler")),
]
for case in REPO_CASES:
    case.plan, case.git = "review-mini", True


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under `folder` as it is: bytes of regular files, the target of a link, the
    kind of anything else; nothing is followed or opened that could block."""
    out: dict[str, object] = {}
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if rel == ".git" or rel.startswith(".git/"):
                continue  # git's own bookkeeping (index stat data); HEAD and status below
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                out[rel] = path.read_bytes()
            else:
                out[rel] = ("art", stat.S_IFMT(info.st_mode))
    if (folder / ".git").exists():
        out[".git HEAD"] = _git(folder / "plan", "rev-parse", "HEAD")
        out[".git status"] = _git(folder / "plan", "status", "--porcelain")
    return out


def _prepare(case: Case, tmp_path: Path) -> Path:
    plan = tmp_path / "repo" / "plan"
    shutil.copytree(PLANS / case.plan / "plan", plan)
    if case.git:
        _git(plan, "init", "-q")
        _git(plan, "config", "user.name", "Fachberatung OE 50.6")
        _git(plan, "config", "user.email", "fachberatung@example.org")
        _git(plan, "config", "commit.gpgsign", "false")
        _commit(plan, "Entwurf")
    case.setup(plan)
    return plan


def _expand(text: str, plan: Path, tmp_path: Path) -> str:
    text = text.replace("{plan}", str(plan)).replace("{out}", str(tmp_path / "out"))
    text = text.replace("{outside}", str(next((p for p in (plan.parent / "privat",
                                                            plan.parent / "fremd.md",
                                                            plan.parent / "fremd.yaml")
                                               if p.exists()), "")))
    if "{ENTWURF_BLOB}" in text:
        text = text.replace("{ENTWURF_BLOB}", _git(plan, "rev-parse", "HEAD~1:plan/01-haltung.md")
                            .strip()[:10])
    if "{HEAD~1}" in text:
        text = text.replace("{HEAD~1}", _git(plan, "rev-parse", "--short=10", "HEAD~1").strip())
    return text


@pytest.mark.parametrize("case", CASES + REPO_CASES, ids=lambda c: c.name)
def test_bad_input(case: Case, tmp_path: Path, capsys, monkeypatch) -> None:
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_DATE", "2020-01-15T10:00:00 +0100")
    plan = _prepare(case, tmp_path)
    capsys.readouterr()
    monkeypatch.chdir(plan.parent)
    before = snapshot(plan.parent)
    argv = [_expand(a, plan, tmp_path) for a in case.args]
    code = main_code([*argv, "--plan", str(plan)])
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "Traceback" not in out and "Interner Fehler" not in out, out
    lines = out.splitlines()
    for expected in case.lines:
        assert _expand(expected, plan, tmp_path) in lines, out
    assert code == case.code, out
    after = snapshot(plan.parent)
    for name in ("build", "out"):  # outputs may appear, the plan and repository may not change
        after = {k: v for k, v in after.items() if not k.startswith(name)}
    assert after == before, "the command changed the plan or the repository"


def test_the_suite_has_at_least_80_cases() -> None:
    assert len(CASES) + len(REPO_CASES) + len(case_names()) >= 80
