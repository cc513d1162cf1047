"""The DOCX container itself: is it one, is it safe to open, and what pandoc does not read
(custom properties with the provenance, format-only changes, moves)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from pipeline.errors import PipelineError

MAX_DOCX_BYTES = 50 * 1024 * 1024
"""A reviewed chapter is a few hundred kB; anything near this is not one."""
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""All members together, unpacked (a zip bomb claims far more)."""
MAX_MEMBERS = 5_000
MAX_RATIO = 200
"""Unpacked size per packed byte of one member; Word's XML compresses ~10:1."""

PROVENANCE_PREFIX = "lip-"


class WordInputError(PipelineError):
    """A file that cannot be imported; the message names the file and what to do."""

    exit_code = 1


@dataclass
class DocxPackage:
    """What the import needs from the container besides pandoc's reading of the text."""

    properties: dict[str, str]
    """Custom document properties (docProps/custom.xml) by name."""
    format_changes: int = 0
    """Tracked changes of formatting only (w:rPrChange, w:pPrChange): reported, not applied."""
    moves: int = 0
    """Moved passages (w:moveFrom/w:moveTo): pandoc reads them as deletion + insertion."""
    note_changes: int = 0
    """Tracked changes in footnotes and endnotes: pandoc drops them, so they are refused."""
    header_changes: list[str] = field(default_factory=list)
    """Tracked changes in headers and footers (lip writes them: chapter, Stand, page), each
    as „eingefügt ‚…‘“ / „gestrichen ‚…‘“: refused, they are no text of the plan."""
    last_modified_by: str = ""
    authors: list[str] = field(default_factory=list)

    @property
    def provenance(self) -> dict[str, str]:
        return {k: v for k, v in self.properties.items() if k.startswith(PROVENANCE_PREFIX)}


_PROPERTY = re.compile(rb'<property\b[^>]*\bname="([^"]*)"[^>]*>\s*<vt:(\w+)>(.*?)</vt:\2>', re.S)
_LAST_MODIFIED = re.compile(rb"<cp:lastModifiedBy>(.*?)</cp:lastModifiedBy>", re.S)
_AUTHOR = re.compile(rb'w:author="([^"]*)"')
_TRACKED = re.compile(rb"<w:(ins|del|moveTo|moveFrom)\b[^>]*>(.*?)</w:\1>", re.S)
_TEXT = re.compile(rb"<w:(?:t|delText)\b[^>]*>([^<]*)<")
_MARGINAL = re.compile(r"word/(?:header|footer)\d*\.xml")


def _tracked_texts(xml: bytes) -> list[str]:
    """Each tracked insertion or deletion of a part, as what a reviewer would call it."""
    out = []
    for kind, inner in _TRACKED.findall(xml):
        text = _unescape(b"".join(_TEXT.findall(inner))).strip()
        what = "eingefügt" if kind in (b"ins", b"moveTo") else "gestrichen"
        out.append(f"{what} ‚{text[:40]}‘" if text else what)
    return out


def _unescape(raw: bytes) -> str:
    from xml.sax.saxutils import unescape

    return unescape(raw.decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"})


def open_docx(data: bytes, name: str) -> DocxPackage:
    """Check that `data` is a DOCX that can be read safely; raise WordInputError otherwise."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise WordInputError(
            f"{name}: ist ein altes Word-Dokument (.doc) oder ein mit Kennwort geschütztes DOCX; "
            f"bitte in Word ohne Kennwort speichern: Datei › Speichern unter › Dateityp "
            f"„Word-Dokument (*.docx)“ (LibreOffice: „Word 2007–365 (.docx)“)")
    if len(data) > MAX_DOCX_BYTES:
        raise WordInputError(f"{name}: ist {len(data) // 1_000_000} MB groß, höchstens "
                             f"{MAX_DOCX_BYTES // 1_000_000} MB sind zulässig")
    if data[:4] != b"PK\x03\x04":
        raise WordInputError(f"{name}: ist keine Word-Datei (DOCX); bitte in Word als "
                             f"„Word-Dokument (*.docx)“ speichern")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WordInputError(f"{name}: die Datei ist beschädigt (kein lesbares ZIP-Archiv); "
                             f"bitte neu in Word speichern und erneut senden lassen") from None
    names = {i.filename for i in infos}
    if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
        raise WordInputError(f"{name}: ist ein OpenDocument-Text (.odt); bitte in LibreOffice "
                             f"mit Datei › Speichern unter › Dateityp „Word 2007–365 (.docx)“ "
                             f"speichern")
    if "EncryptedPackage" in names:
        raise WordInputError(f"{name}: ist mit einem Kennwort geschützt; bitte ohne Kennwort "
                             f"speichern")
    if len(infos) > MAX_MEMBERS:
        raise WordInputError(f"{name}: enthält {len(infos)} Teile, höchstens {MAX_MEMBERS} "
                             f"sind zulässig (ZIP-Bombe?)")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_UNPACKED_BYTES or total > MAX_UNPACKED_BYTES or (
                info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise WordInputError(f"{name}: entpackt wäre die Datei unzulässig groß "
                                 f"({info.filename}: {info.file_size // 1_000_000} MB; ZIP-Bombe?)")
    for info in infos:  # entity expansion ("billion laughs") is refused before any parser runs
        if info.filename.endswith((".xml", ".rels")):
            try:
                with archive.open(info) as member:
                    head = member.read(4096)
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError):
                raise WordInputError(f"{name}: die Datei ist beschädigt ({info.filename} lässt "
                                     f"sich nicht entpacken); bitte neu in Word speichern") from None
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise WordInputError(f"{name}: {info.filename} enthält eine DOCTYPE-Angabe, die "
                                     f"Word nie schreibt (XML-Bombe?); die Datei wird nicht "
                                     f"gelesen")
    if "word/document.xml" not in names:
        raise WordInputError(f"{name}: ist keine Word-Datei (DOCX): word/document.xml fehlt")
    try:
        document = archive.read("word/document.xml")
        custom = archive.read("docProps/custom.xml") if "docProps/custom.xml" in names else b""
        core = archive.read("docProps/core.xml") if "docProps/core.xml" in names else b""
        notes = b"".join(archive.read(n) for n in ("word/footnotes.xml", "word/endnotes.xml")
                         if n in names)
        marginal = [t for n in sorted(names) if _MARGINAL.fullmatch(n)
                    for t in _tracked_texts(archive.read(n))]
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError):
        raise WordInputError(f"{name}: die Datei ist beschädigt (ein Teil lässt sich nicht "
                             f"entpacken); bitte neu in Word speichern") from None
    properties = {m.group(1).decode("utf-8", "replace"): _unescape(m.group(3))
                  for m in _PROPERTY.finditer(custom)}
    last = _LAST_MODIFIED.search(core)
    return DocxPackage(
        properties,
        format_changes=document.count(b"<w:rPrChange") + document.count(b"<w:pPrChange"),
        moves=document.count(b"<w:moveTo "),
        note_changes=len(re.findall(rb"<w:(?:ins|del|moveTo|moveFrom) ", notes)),
        header_changes=marginal,
        last_modified_by=_unescape(last.group(1)).strip() if last else "",
        authors=sorted({_unescape(a) for a in _AUTHOR.findall(document)}))
