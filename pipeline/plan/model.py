"""The plan model: the manifest and its chapters, read from a folder or from git objects.

`load_plan` never raises on bad content: what cannot be read becomes a diagnostic, so that
`lip check` can report every problem at once. Other commands call `require_valid`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.diagnostics import Diagnostic, Report, Severity
from pipeline.errors import ChapterNotFound, FrontMatterError, PlanFolderMissing, PlanInvalid
from pipeline.plan import frontmatter
from pipeline.plan.body import Body, Measure, parse_body
from pipeline.plan.images import MAX_IMAGE_BYTES, Irregular
from pipeline.wording import ascii_folded

MANIFEST_NAME = "lip.yaml"
PLAN_DIR = "plan"
COMMENTS_DIR = "anmerkungen"
"""Word comments that came back with a proposal, beside the chapters (plan/anmerkungen/)."""

PlanFiles = Mapping[str, bytes | None]
"""Files of the plan folder by path relative to it; None = present but not read (images)."""


def normalize_text(body: str) -> str:
    """Return the chapter text in the form that is hashed: what a reader sees, nothing else."""
    text = unicodedata.normalize("NFC", body.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


def text_hash(body: str) -> str:
    """SHA-256 of the normalized body. Metadata is not part of it, so recording a decision
    never changes the hash of the version it judged."""
    return hashlib.sha256(normalize_text(body).encode("utf-8")).hexdigest()


@dataclass
class Chapter:
    """One chapter file: its front matter (round-trip YAML) and its body."""

    filename: str
    path: str
    """Path as shown to the user, e.g. plan/11-bildung.md."""
    text: frontmatter.SplitText
    meta: Any
    """The front matter: a ruamel CommentedMap when loaded editable, else a frontmatter.LineMap."""
    body: Body

    def get(self, key: str, default: Any = None) -> Any:
        return self.meta.get(key, default) if isinstance(self.meta, dict) else default

    @property
    def id(self) -> str:
        return str(self.get("id", Path(self.filename).stem))

    @property
    def number(self) -> str:
        return str(self.get("nummer", ""))

    @property
    def title(self) -> str:
        return str(self.get("titel", self.filename))

    @property
    def part(self) -> str:
        return str(self.get("teil", ""))

    @property
    def anchor(self) -> str:
        return f"kap-{self.id}"

    @property
    def markdown(self) -> str:
        """The body as the editor wrote it."""
        return self.text.body

    @functools.cached_property
    def text_sha256(self) -> str:
        """Once per chapter object (load_plan's cache hands the same one out again)."""
        return text_hash(self.text.body)

    @property
    def review(self) -> dict:
        review = self.get("review") or {}
        return review if isinstance(review, dict) else {}

    def line_of(self, *keys: str | int) -> int:
        return frontmatter.line_of(self.meta, keys, self.text.yaml_first_line)




def _folded_name(text: str) -> str:
    """A Gremium's name as compared: casefolded, umlauts as ae/oe/ue, only letters and
    digits ('Integrationsbeiräte' and 'integrationsbeiraete', 'eg-bildung' and 'EG Bildung'
    are the same)."""
    return "".join(c for c in ascii_folded(text) if c.isalnum())


def _gremium_names(key: str, entry: Any) -> set[str]:
    """Every way to name a Gremium: its key, its name, its name without the part in
    brackets, and that part ('RTGS', 'Delegiertenkonferenz')."""
    names = {key}
    name = str(entry.get("name") or "") if isinstance(entry, dict) else ""
    if name:
        names.add(name)
        outside = re.sub(r"\s*\([^()]*\)", " ", name).strip()
        names.add(outside)
        names.update(re.findall(r"\(([^()]*)\)", name))
    return {folded for n in names if (folded := _folded_name(n))}


@dataclass
class Manifest:
    path: str
    data: Any

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default) if isinstance(self.data, dict) else default

    @property
    def chapter_files(self) -> list[tuple[str, int]]:
        """The chapter file names in manifest order, each with its line in lip.yaml."""
        out = []
        for p, part in enumerate(self.get("teile") or []):
            files = part.get("kapitel") if isinstance(part, dict) else None
            for i, name in enumerate(files or []):
                out.append((str(name), frontmatter.line_of(self.data, ("teile", p, "kapitel", i), 1)))
        return out

    def part_of(self, filename: str) -> str:
        for part in self.get("teile") or []:
            if isinstance(part, dict) and filename in (part.get("kapitel") or []):
                return str(part.get("name", ""))
        return ""

    @property
    def gremien(self) -> dict:
        gremien = self.get("gremien") or {}
        return gremien if isinstance(gremien, dict) else {}

    def gremium_name(self, key: str) -> str:
        entry = self.gremien.get(key)
        return str(entry.get("name", key)) if isinstance(entry, dict) else key

    def gremium_key(self, given: str) -> str:
        """The key of the Gremium `given` names: its key, or its name as `lip status` and
        the documents show it ('Integrationsbeiräte', 'RTGS', 'Internationaler Ausschuss').
        Case, umlauts written as ae/oe/ue, and a name's part in brackets (an abbreviation
        or an addition) may differ; `given` as it is where no Gremium or more than one fits
        (the caller's error then names the keys)."""
        if given in self.gremien:
            return given
        wanted = _folded_name(given)
        fitting = [key for key, entry in self.gremien.items()
                   if wanted in _gremium_names(key, entry)]
        return fitting[0] if len(fitting) == 1 else given

    @property
    def fassungen(self) -> list[Fassung]:
        """The named Fassungen in the order listed (entries without name or rev are skipped;
        `lip check` reports them)."""
        from pipeline.plan.fassungen import adopted_by

        out = []
        for f in self.get("fassungen") or []:
            if isinstance(f, dict) and f.get("name") and f.get("rev"):
                b = f.get("beschluss")
                # a Beschluss is described from its record, one wording for every reader
                described = adopted_by(self.gremium_name(str(b["gremium"])), b["datum"]) \
                    if isinstance(b, dict) and b.get("gremium") and b.get("datum") else ""
                out.append(Fassung(str(f["name"]), str(f["rev"]), f.get("datum"),
                                   described or str(f.get("beschreibung") or "")))
        return out

    def fassung(self, name: str) -> Fassung | None:
        return next((f for f in self.fassungen if f.name == name), None)

    def fassung_of_commit(self, commit: str) -> Fassung | None:
        """The Fassung whose rev is `commit` (full or abbreviated, either way)."""
        if not commit:
            return None
        found = None
        for f in self.fassungen:
            if f.rev.startswith(commit) or commit.startswith(f.rev):
                found = f
        return found


@dataclass(frozen=True)
class Fassung:
    """A named state of the plan (plan/lip.yaml `fassungen`): name, git revision, date."""

    name: str
    rev: str
    datum: Any = None
    """As written (a date, or text `lip check` reports)."""
    beschreibung: str = ""


def _names_file(folded_key: str, path: str) -> bool:
    """Whether a chapter key could mean the file at `path`: 'plan/12-soziales.md' is named by
    its path, its file name, '12-soziales' and 'soziales'."""
    name = path.rsplit("/", 1)[-1].casefold()
    stem = name.removesuffix(".md")
    return name.endswith(".md") and folded_key in (path.casefold(), name, stem, stem.split("-", 1)[-1])


@dataclass
class Plan:
    """The whole plan: manifest plus chapters in manifest order."""

    manifest: Manifest | None
    chapters: list[Chapter]
    files: PlanFiles
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Problems found while reading (unreadable files, broken YAML)."""
    unlisted: list[str] = field(default_factory=list)
    resources: Mapping[str, bytes] = field(default_factory=dict)
    """The images' bytes, when the caller read them (read_resources): `lip check` then judges
    their content too (type, SVG without script)."""
    headless: list[Chapter] = field(default_factory=list)
    """Chapters whose head could not be read (broken YAML) but whose text could: not part of
    the plan, but `lip check` reports what is wrong in their text at the same time."""

    def chapter(self, key: str) -> Chapter:
        """Find a chapter by id, file name, number or title (the last two ignoring case:
        `lip vorlegen Bildung` means chapter `bildung`)."""
        for ch in self.chapters:
            if key in (ch.id, ch.filename, ch.path, ch.number, Path(ch.filename).stem):
                return ch
        folded = key.casefold()
        for ch in self.chapters:
            if folded in (ch.id.casefold(), ch.title.casefold()):
                return ch
        unreadable = [d for d in self.diagnostics if _names_file(folded, d.path)]
        if unreadable:  # the chapter is there, but its file could not be read
            raise PlanInvalid(unreadable)
        raise ChapterNotFound(key, [ch.id for ch in self.chapters])

    @property
    def measures(self) -> list[tuple[Chapter, Measure]]:
        return [(ch, m) for ch in self.chapters for m in ch.body.measures]

    @property
    def unread_chapter_files(self) -> set[str]:
        """Chapter files the manifest lists that could not be read (or are missing): what is
        said about the plan as a whole (anchors, deleted chapters) must not guess about them."""
        if self.manifest is None:
            return set()
        loaded = {ch.filename for ch in self.chapters}
        return {name for name, _ in self.manifest.chapter_files if name not in loaded}

    @property
    def unreadable_chapters(self) -> list[UnreadableChapter]:
        """The chapter files the manifest lists that could not be read, in manifest order,
        each with the problems that name it: what every view of the plan lists as „nicht
        lesbar“ in the chapter's place, never as a chapter that is gone."""
        unread = self.unread_chapter_files
        if not unread or self.manifest is None:
            return []
        manifest_path = f"{PLAN_DIR}/{MANIFEST_NAME}"
        out = []
        for name, line in self.manifest.chapter_files:
            if name not in unread:
                continue
            path = f"{PLAN_DIR}/{name}"
            problems = [d for d in self.diagnostics if d.path == path] or [
                d for d in self.diagnostics if d.path == manifest_path and d.line == line
                and name in d.message]
            out.append(UnreadableChapter(name, path, self.manifest.part_of(name), problems))
        return out

    @property
    def title(self) -> str:
        return str(self.manifest.get("titel", "Lokaler Integrationsplan")) if self.manifest else ""


@dataclass(frozen=True)
class UnreadableChapter:
    """A chapter file the manifest lists but that could not be read (broken head, missing
    file, conflict markers): it stays in its place as „nicht lesbar“ with its problems."""

    filename: str
    path: str
    part: str
    """The manifest's part (`teile[].name`) that lists it."""
    problems: list[Diagnostic]

    @property
    def reason(self) -> str:
        """The first problem, located: 'plan/16-verwaltung.md:9: kopf: YAML-Syntaxfehler: …'."""
        return str(self.problems[0]) if self.problems else f"{self.path}: nicht lesbar"


def read_folder(plan_dir: Path) -> dict[str, bytes | None]:
    """Return the plan folder's files; Markdown and YAML are read, others only listed.

    Links are not followed (issue 20): a symbolic link, a device or a pipe in the plan folder
    is listed as `Irregular` and never read, so `/etc/passwd` behind `bilder/karte.png` or a
    link to `/dev/zero` can neither be published nor hang a command."""
    if not plan_dir.is_dir():
        raise PlanFolderMissing(plan_dir, is_file=plan_dir.exists())
    files: dict[str, bytes | None] = {}
    for folder, dirs, names in os.walk(plan_dir):  # does not descend into linked folders
        base = Path(folder)
        for name in sorted(dirs):
            if (base / name).is_symlink():
                rel = (base / name).relative_to(plan_dir).as_posix()
                files[rel] = Irregular(_link_reason(base / name))
        for name in names:
            path = base / name
            rel = path.relative_to(plan_dir).as_posix()
            try:
                info = path.lstat()
            except OSError:
                continue
            if stat.S_ISLNK(info.st_mode):
                files[rel] = Irregular(_link_reason(path))
            elif not stat.S_ISREG(info.st_mode):
                files[rel] = Irregular("ist keine gewöhnliche Datei (sondern ein Gerät, eine "
                                       "Pipe oder ein Socket); lip liest nur gewöhnliche Dateien")
            elif path.suffix in (".md", ".yaml", ".yml"):
                if info.st_size > frontmatter.MAX_CHAPTER_BYTES:
                    files[rel] = frontmatter.Oversize(info.st_size)  # never read a 50 MB mistake
                else:
                    files[rel] = path.read_bytes()
            else:
                files[rel] = None
    return dict(sorted(files.items()))


def _link_reason(path: Path) -> str:
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return (f"ist ein symbolischer Link (auf {target!r}); lip liest und veröffentlicht nur "
            f"gewöhnliche Dateien im Ordner des Plans, bitte die Datei selbst hineinlegen")


def read_resources(plan_dir: Path, files: PlanFiles) -> dict[str, bytes]:
    """The bytes of the plan's other files (images), each a regular file read without following
    links; a file above MAX_IMAGE_BYTES stands in as Oversize (never read whole)."""
    out: dict[str, bytes] = {}
    for rel, data in files.items():
        if data is not None:
            continue  # read already (text) or irregular
        fd = None
        try:
            fd = os.open(plan_dir / rel, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_NONBLOCK", 0))  # a pipe put there since: no wait
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                continue
            if info.st_size > MAX_IMAGE_BYTES:
                out[rel] = frontmatter.Oversize(info.st_size)
                continue
            with os.fdopen(fd, "rb") as f:
                fd = None
                out[rel] = f.read(MAX_IMAGE_BYTES + 1)
        except OSError:
            continue  # gone or replaced by a link since the listing: not read
        finally:
            if fd is not None:
                os.close(fd)
    return out


_CONFLICT = re.compile(rb"^(?:<{7}|>{7}|\|{7})(?:[ \t].*)?$|^={7}[ \t]*$", re.M)


def conflict_markers(raw: bytes, path: str) -> list[Diagnostic]:
    """Lines git leaves in a file after a merge conflict (<<<<<<<, =======, >>>>>>>): the
    file holds two versions at once, and neither may be published or recorded on."""
    if b"<<<<<<<" not in raw and b">>>>>>>" not in raw:
        return []
    return [Diagnostic(path, raw.count(b"\n", 0, m.start()) + 1, "datei",
                       f"Konfliktmarke {m.group().split()[0].decode('utf-8', 'replace')!r} aus "
                       f"einem Git-Merge: die Datei enthält zwei Fassungen; den Konflikt auflösen "
                       f"und die Marken entfernen")
            for m in _CONFLICT.finditer(raw)]


def _load_manifest(raw: bytes, path: str) -> Manifest:
    text = frontmatter.decode(raw, path).lstrip(frontmatter.BOM)
    data = frontmatter.load(text.replace("\r\n", "\n"), path, 1, editable=False)
    return Manifest(path, data if isinstance(data, dict) else {})


def load_chapter(filename: str, raw: bytes, prefix: str = PLAN_DIR, *, editable: bool = True) -> Chapter:
    """Parse one chapter file; raise FrontMatterError if it cannot be read at all.

    Only an editable chapter's `meta` may be changed and dumped back into the file."""
    path = f"{prefix}/{filename}"
    text = frontmatter.decode(raw, path)
    split = frontmatter.split(text, path)
    meta = frontmatter.load(split.yaml_text, path, split.yaml_first_line, editable=editable)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise FrontMatterError(path, split.yaml_first_line, "kopf",
                               "Kopf muss aus Schlüssel-Wert-Paaren bestehen (z. B. 'titel: Bildung')")
    return Chapter(filename, path, split, meta, parse_body(split.body, split.body_first_line))


def _parsed(cache: MutableMapping[str, Any] | None, kind: str, name: str, raw: bytes,
            parse: Callable[[], Any]) -> Any:
    """Return `parse()`, reusing an earlier result for the same bytes when a cache is given."""
    if cache is None or isinstance(raw, frontmatter.Oversize):
        return parse()
    key = f"{kind}:{name}:{hashlib.sha256(raw).hexdigest()}"
    if key not in cache:
        cache[key] = parse()
    return cache[key]


def load_plan(source: Path | PlanFiles, cache: MutableMapping[str, Any] | None = None) -> Plan:
    """Read the manifest and every chapter it lists; collect problems instead of raising.

    `cache` (used by `lip build`) maps file bytes to their parsed form, so an unchanged
    chapter is not parsed again; parsing YAML is the slowest step of a rebuild. The chapters
    are read-only (see `load_chapter`).
    """
    files = read_folder(source) if isinstance(source, Path) else source
    diagnostics: list[Diagnostic] = []
    manifest_path = f"{PLAN_DIR}/{MANIFEST_NAME}"
    manifest: Manifest | None = None
    raw_manifest = files.get(MANIFEST_NAME)
    marked = conflict_markers(raw_manifest, manifest_path) if raw_manifest else []
    if marked:
        diagnostics.extend(marked)
    elif isinstance(raw_manifest, Irregular):
        diagnostics.append(Diagnostic(manifest_path, 1, "datei", f"Manifest {raw_manifest.reason}"))
    elif raw_manifest is None:
        diagnostics.append(Diagnostic(manifest_path, 1, "manifest",
                                      "Manifest plan/lip.yaml fehlt; es legt Titel, Reihenfolge "
                                      "der Kapitel und die Gremien fest."))
    else:
        try:
            manifest = _parsed(cache, "manifest", MANIFEST_NAME, raw_manifest,
                               lambda: _load_manifest(raw_manifest, manifest_path))
        except FrontMatterError as e:
            diagnostics.append(Diagnostic(e.path, e.line, e.field, e.message))

    chapters: list[Chapter] = []
    headless: list[Chapter] = []
    listed = [name for name, _ in manifest.chapter_files] if manifest else []
    for name, line in manifest.chapter_files if manifest else []:
        raw = files.get(name)
        if name not in files:
            diagnostics.append(Diagnostic(manifest_path, line, "teile.kapitel",
                                          f"Kapitel {name!r} ist im Manifest aufgeführt, aber die "
                                          f"Datei plan/{name} fehlt"))
            continue
        if isinstance(raw, Irregular):
            diagnostics.append(Diagnostic(f"{PLAN_DIR}/{name}", 1, "datei", f"Datei {raw.reason}"))
            continue
        marked = conflict_markers(raw or b"", f"{PLAN_DIR}/{name}")
        if marked:
            diagnostics.extend(marked)
            continue
        try:
            data = raw if raw is not None else b""
            chapters.append(_parsed(cache, "chapter", name, data,
                                    lambda name=name, data=data: load_chapter(name, data, editable=False)))
        except FrontMatterError as e:
            diagnostics.append(Diagnostic(e.path, e.line, e.field, e.message))
            if (text_only := _text_only(name, data)) is not None:
                headless.append(text_only)
    unlisted = sorted(n for n in files if n.endswith(".md") and "/" not in n and n not in listed)
    if manifest is None:
        for name in unlisted:
            try:
                chapters.append(load_chapter(name, files[name] if files[name] is not None else b"",
                                             editable=False))
            except FrontMatterError as e:
                diagnostics.append(Diagnostic(e.path, e.line, e.field, e.message))
    for name in unlisted if manifest else []:
        diagnostics.append(Diagnostic(f"{PLAN_DIR}/{name}", 1, "datei",
                                      "Datei ist nicht im Manifest plan/lip.yaml aufgeführt; "
                                      "bitte unter 'teile' eintragen oder die Datei entfernen",
                                      Severity.ERROR))
    return Plan(manifest, chapters, files, diagnostics, unlisted, headless=headless)


def _text_only(filename: str, raw: bytes) -> Chapter | None:
    """The chapter's text without its head, where only the head is broken (its YAML); None
    where the file cannot be split into head and text at all."""
    path = f"{PLAN_DIR}/{filename}"
    try:
        split = frontmatter.split(frontmatter.decode(raw, path), path)
    except FrontMatterError:
        return None
    return Chapter(filename, path, split, {}, parse_body(split.body, split.body_first_line))


def require_valid(plan: Plan, report: Report) -> None:
    """Raise PlanInvalid when the report holds errors (for commands other than check)."""
    if report.errors:
        raise PlanInvalid(report.sorted())
