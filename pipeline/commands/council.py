"""The council stage: `lip fassung`, `lip antrag neu`, `lip abstimmung`, `lip beschluss`.

Each writing command checks everything before it writes, then makes exactly one commit (the
Beschluss two: the adopted text, then its name), and puts everything back if a step fails.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from pipeline import history
from pipeline.commands.check import check as check_plan_dir
from pipeline.commands.fassungen import fassungen, plans_at_fassungen, resolved_antraege
from pipeline.commands.plan_report import plan_report
from pipeline.council import antraege as council
from pipeline.council.beschluss import (
    BeschlussConflict,
    adopted,
    apply_adopted,
    beschluss_counts_problem,
    last_vote,
    open_points,
)
from pipeline.dates import future_date_refusal, german_date
from pipeline.diagnostics import Report
from pipeline.errors import PipelineError
from pipeline.files import write_atomic
from pipeline.plan import MANIFEST_NAME, Plan, frontmatter, load_plan, text_hash
from pipeline.plan.fassungen import Stimmen, adopted_by, beschluesse, chapter_texts
from pipeline.wording import counted, numbers_text, punkte_text, slug

TAG_PREFIX = "fassung/"


class CouncilError(PipelineError):
    """A council command was called with values that cannot be recorded."""



@dataclass(frozen=True)
class Done:
    """What a writing command did: its commit(s) and what to tell the user."""

    commit: str
    message: str
    lines: tuple[str, ...] = ()


def in_fassung(name: str) -> str:
    """'in der Fassung „Verwaltungsentwurf“': one phrase for every message."""
    return f"in der Fassung „{name}“"


def tag_name(fassung: str) -> str:
    """'3. Fassung' -> 'fassung/3-fassung'; 'Beschlossene Fassung' -> 'fassung/beschlossene-fassung'."""
    return TAG_PREFIX + slug(fassung, "fassung")


# --- reading --------------------------------------------------------------------------------


@dataclass
class _Repo:
    plan_dir: Path
    plan: Plan
    repo: Any
    prefix: str


def _open(plan_dir: Path, *, clean: bool = True) -> _Repo:
    plan = load_plan(plan_dir)
    if plan.manifest is None:
        raise CouncilError("plan/lip.yaml fehlt oder ist nicht lesbar; Details mit 'lip check'")
    repo = history.open_repo(plan_dir)
    prefix = history.plan_prefix(repo, plan_dir)
    if history.head_sha(repo) is None:
        raise CouncilError("das Repository hat noch keinen Commit; erst den Plan committen")
    if clean:
        dirty = history.dirty_paths(repo, prefix)
        if dirty:
            shown = ", ".join(dirty[:5]) + (" …" if len(dirty) > 5 else "")
            raise CouncilError(f"im Plan gibt es nicht committete Änderungen ({shown}); erst "
                               f"committen oder verwerfen, dann erneut aufrufen")
    return _Repo(plan_dir, plan, repo, prefix)


# --- lip fassung ----------------------------------------------------------------------------


def _manifest_with(raw: bytes, mutate) -> bytes:
    """plan/lip.yaml with `mutate(data)` applied; comments, order and every other byte kept."""
    text = raw.decode("utf-8")
    data = frontmatter.load(text, f"plan/{MANIFEST_NAME}", 1, editable=True)
    mutate(data)
    return frontmatter.dump(data, text).encode("utf-8")


def _append_fassung(entry: CommentedMap):
    return _append_to("fassungen", entry)


def _append_to(key: str, entry: CommentedMap, after: str | None = None):
    """`mutate` for `_manifest_with`: `entry` appended to the list `key` of plan/lip.yaml (a
    new list goes right after the key `after`, taking over the lines that followed it)."""
    def mutate(data: Any) -> None:
        seq = data.get(key)
        if isinstance(seq, CommentedSeq):
            seq.append(entry)
            if len(seq) > 1 and isinstance(seq[-2], CommentedMap) and len(seq[-2]):
                _move_trailing(seq[-2], entry)
            return
        seq = CommentedSeq(seq or [])
        seq.fa.set_block_style()
        seq.append(entry)
        keys = list(data.keys())
        before = data.get(after) if after in keys else None
        if key in data or not (isinstance(before, CommentedSeq) and before
                               and isinstance(before[-1], CommentedMap) and len(before[-1])):
            data[key] = seq
            return
        data.insert(keys.index(after) + 1, key, seq)
        _move_trailing(before[-1], entry)
    return mutate


def _move_trailing(previous: CommentedMap, entry: CommentedMap) -> None:
    """The blank line (or comment) after a list belongs to the innermost last value of its
    last item (ruamel keeps it there): move it after the new item's innermost last value,
    not after the key of a nested mapping (`texte:`) or into a nested list (`eintraege:`)."""
    node, last = _innermost_last(previous)
    item = node.ca.items.pop(last, None)
    token = (item[0] if isinstance(node, CommentedSeq) else item[2]) if item else None
    if token is None:
        return
    into, at = _innermost_last(entry)
    into.ca.items[at] = [token, None] if isinstance(into, CommentedSeq) else [None, None, token, None]


def _innermost_last(node: CommentedMap | CommentedSeq) -> tuple[Any, Any]:
    """The node and key (index) of the last scalar value in `node`, descending into a last
    value that is itself a non-empty mapping or list (where YAML's text ends and trailing
    lines attach)."""
    key = len(node) - 1 if isinstance(node, CommentedSeq) else list(node.keys())[-1]
    value = node[key]
    if isinstance(value, CommentedMap | CommentedSeq) and len(value) and key not in node.ca.items:
        return _innermost_last(value)
    return node, key


def _refuse_taken(ctx: _Repo, name: str) -> str:
    taken = [str(f.get("name")) for f in fassungen(ctx.plan)]
    if name in taken:
        raise CouncilError(f"die Fassung „{name}“ gibt es schon; benannte Fassungen: {', '.join(taken)}")
    tag = tag_name(name)
    if history.tag_target(ctx.repo, tag) is not None:
        raise CouncilError(f"das Tag {tag!r} gibt es schon; bitte einen anderen Namen wählen")
    return tag


@history.serialised("fassung")
def name_fassung(plan_dir: Path, name: str, *, final: bool = False, datum: dt.date | None = None,
                 beschreibung: str | None = None) -> Done:
    """Name HEAD as a Fassung: the entry in plan/lip.yaml and an annotated tag, one commit."""

    name = name.strip()
    if not name:
        raise CouncilError("der Name der Fassung ist leer")
    ctx = _open(plan_dir)
    when = _fassung_date(ctx.plan, datum)
    tag = _refuse_taken(ctx, name)
    if final:
        report = check_plan_dir(plan_dir, final=True)
        if report.errors:
            raise CouncilError("--final: 'lip check --final' meldet "
                               f"{len(report.errors)} Fehler, z. B. {report.errors[0]}")
    head = history.head_sha(ctx.repo)
    entry = frontmatter.new_mapping(name=name, datum=when, rev=head, tag=tag,
                   beschreibung=beschreibung, endgueltig=True if final else None)
    entry["texte"] = CommentedMap(sorted(chapter_texts(ctx.plan).items()))
    message = (f"Fassung „{name}“ benannt\n\nStand: {head[:10]}\nTag: {tag}\n\n"
               f"{history.TRAILER}: fassung\n")
    return _commit_manifest(ctx, _append_fassung(entry), message, tag, head,
                            (f"Tag {tag} → {head[:10]}",))


def _fassung_date(plan: Plan, datum: dt.date | None) -> dt.date:
    """The date of a new Fassung: not after today, and not before any review entry it
    contains (else the Beschlussdrucksache would date a decision before its Fassung)."""
    from pipeline.review import display_name, records_of

    when = datum or dt.date.today()
    if (refusal := future_date_refusal(when, nothing_done="nichts wurde benannt")) is not None:
        raise CouncilError(refusal)
    latest = max(((rec.datum, display_name(ch), rec) for ch in plan.chapters
                  for rec in records_of(ch).in_time_order()), key=lambda x: x[0], default=None)
    if latest is not None and when < latest[0]:
        day, chapter, rec = latest
        kind = {"vorlagen": "Vorlage", "entscheidungen": "Entscheidung",
                "stellungnahmen": "Stellungnahme"}[rec.list_name]
        raise CouncilError(f"--datum {german_date(when)}: die Fassung enthält Einträge bis zum "
                           f"{german_date(day)} (Kapitel {chapter}: {kind} vom "
                           f"{german_date(day)}); eine Fassung kann nicht vor dem datiert sein, "
                           f"was sie enthält. Stattdessen: --datum weglassen (heute) oder ein "
                           f"Datum ab dem {german_date(day)} angeben; nichts wurde benannt.")
    return when


def _commit_manifest(ctx: _Repo, mutate, message: str, tag: str, tag_at: str,
                     lines: tuple[str, ...], extra: dict[str, bytes] | None = None) -> Done:
    manifest_rel = f"{ctx.prefix}/{MANIFEST_NAME}"
    raw = history.read_file_at(ctx.repo, "HEAD", manifest_rel)
    files = {manifest_rel: _manifest_with(raw, mutate), **(extra or {})}
    history.create_tag(ctx.repo, tag, tag_at, message.splitlines()[0])
    try:
        sha = history.commit_files(ctx.repo, files, message)
    except PipelineError:
        history.delete_tag(ctx.repo, tag)
        raise
    return Done(sha, message.splitlines()[0], lines)


# --- lip antrag neu -------------------------------------------------------------------------


SCAFFOLD = """\
---
# yaml-language-server: $schema=../../pipeline/plan/schemas/antrag.schema.json
nummer: "{nummer}"
titel: {titel}
antragsteller:
  art: {art}
  name: {name}
datum: {datum}
fassung: {fassung}
gremium: {gremium}
punkte:
  # Jeder Punkt nennt genau ein Ziel (massnahme, ziel oder abschnitt) und die Art:
  #   ändern         – 'alt' (Wortlaut im Plan) wird durch 'neu' ersetzt
  #   streichen      – das Ziel entfällt
  #   einfügen nach  – 'wortlaut' folgt auf das Ziel
  #   ersetzen       – 'wortlaut' tritt an die Stelle des Ziels
  - nr: 1
    art: ändern
    massnahme: "{massnahme}"
    alt: "(bisheriger Wortlaut, wie er im Plan steht)"
    neu: "(neuer Wortlaut)"
---

(Hier begründet die Antragstellerin oder der Antragsteller den Antrag; die Überschrift
„Begründung“ setzen die Dokumente selbst.)
"""


def _slug(text: str) -> str:
    return tag_name(text).removeprefix(TAG_PREFIX)[:40].strip("-")


def new_antrag(plan_dir: Path, *, antragsteller: str, art: str = "Fraktion",
               fassung: str | None = None, gremium: str | None = None,
               datum: dt.date | None = None) -> Path:
    """Write a filled-in skeleton of the next Änderungsantrag; the editor completes and commits it."""
    plan = load_plan(plan_dir)
    if plan.manifest is None:
        raise CouncilError("plan/lip.yaml fehlt oder ist nicht lesbar; Details mit 'lip check'")
    if not antragsteller.strip():
        raise CouncilError("--antragsteller ist leer; bitte den Namen der Fraktion, der Gruppe "
                           "oder des Ratsmitglieds angeben, z. B. \"SPD-Fraktion\"")
    if art not in ("Fraktion", "Gruppe", "Ratsmitglied"):
        raise CouncilError(f"--art {art!r} ist unbekannt; möglich: Fraktion, Gruppe, Ratsmitglied")
    names = [str(f.get("name")) for f in fassungen(plan)]
    if not names:
        raise CouncilError("es gibt noch keine benannte Fassung, auf die sich ein Antrag beziehen "
                           "kann; erst mit 'lip fassung NAME' benennen")
    fassung = fassung or names[-1]
    if fassung not in names:
        raise CouncilError(f"Fassung „{fassung}“ gibt es nicht; benannte Fassungen: {', '.join(names)}")
    bodies = council.council_bodies(plan)
    gremium = council.gremium_key(plan, gremium) if gremium else (bodies[0] if bodies else "")
    if (problem := council.not_a_council_body(plan, gremium)) is not None:
        raise CouncilError(problem)
    existing, _ = council.load_antraege(plan)
    numbers = [int(a.nummer) for a in existing if a.nummer.isdigit()]
    nummer = str(max(numbers, default=0) + 1)
    target = plan_dir / council.FOLDER / f"{nummer}-{_slug(antragsteller)}.md"
    if target.exists():
        raise CouncilError(f"{target} gibt es schon")
    first = next((m.id for _, m in plan.measures), "1.1.1")
    text = SCAFFOLD.format(nummer=nummer, titel=_yaml_str(default_title(art, antragsteller)),
                           art=art, name=_yaml_str(antragsteller),
                           datum=(datum or dt.date.today()).isoformat(), fassung=_yaml_str(fassung),
                           gremium=gremium, massnahme=first)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, text)
    return target


def default_title(art: str, antragsteller: str) -> str:
    """The skeleton's title, in the Antragsteller's case: „der SPD-Fraktion“, „der Fraktion
    Die Linke“ (not „der Fraktion Fraktion …“), „des Ratsmitglieds …“."""
    if art == "Ratsmitglied":
        return f"Änderungsantrag des Ratsmitglieds {antragsteller}"
    named = art.casefold() in antragsteller.casefold()
    return f"Änderungsantrag der {antragsteller if named else f'{art} {antragsteller}'}"


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- lip abstimmung -------------------------------------------------------------------------


def _find_antrag(ctx: _Repo, key: str) -> council.Antrag:
    antraege, unread = council.load_antraege(ctx.plan)
    if unread:
        raise CouncilError(f"{unread[0]}")
    found = council.find(antraege, key)
    if found is None:
        known = ", ".join(f"{a.nummer} ({a.filename})" for a in antraege) or "(keine)"
        raise CouncilError(f"Änderungsantrag {key!r} gibt es nicht; vorhanden: {known}")
    return found


def _result(*, dafuer: int | None, dagegen: int | None, einstimmig: bool, abgelehnt: bool,
            zurueckgezogen: bool, vertagt: bool) -> str:
    flags = [n for n, on in (("--abgelehnt", abgelehnt), ("--zurueckgezogen", zurueckgezogen),
                             ("--vertagt", vertagt)) if on]
    if len(flags) > 1:
        raise CouncilError(f"{' und '.join(flags)} schließen einander aus; bitte eins angeben")
    counted = dafuer is not None or dagegen is not None
    if (zurueckgezogen or vertagt) and (counted or einstimmig):
        raise CouncilError(f"{flags[0]}: ohne Stimmen und ohne --einstimmig angeben")
    if zurueckgezogen:
        return "zurückgezogen"
    if vertagt:
        return "vertagt"
    if einstimmig and counted:
        raise CouncilError("--einstimmig oder Stimmenzahlen angeben, nicht beides")
    if not einstimmig and not counted and not abgelehnt:
        raise CouncilError("Ergebnis fehlt: --dafuer N --dagegen N [--enthaltungen N], "
                           "--einstimmig, --abgelehnt, --zurueckgezogen oder --vertagt angeben")
    if counted and (dafuer is None or dagegen is None):
        raise CouncilError("Stimmen: --dafuer und --dagegen zusammen angeben")
    if abgelehnt:
        if (problem := council.counts_problem("abgelehnt", dafuer, dagegen)) is not None:
            raise CouncilError(problem)
        return "abgelehnt"
    if counted:
        return council.counted_result(dafuer, dagegen)
    return "angenommen"


def _not_in_future(datum: dt.date) -> None:
    """A vote or a Beschluss states what has happened: never dated after today."""
    if (refusal := future_date_refusal(datum)) is not None:
        raise CouncilError(refusal)


@history.serialised("abstimmung")
def vote(plan_dir: Path, key: str, *, gremium: str, datum: dt.date, punkte: list[int] | None = None,
         dafuer: int | None = None, dagegen: int | None = None, enthaltungen: int | None = None,
         einstimmig: bool = False, abgelehnt: bool = False, zurueckgezogen: bool = False,
         vertagt: bool = False, sitzung: str | None = None) -> Done:
    """Record one body's vote on some Punkte of one Antrag; one commit."""
    _not_in_future(datum)
    ctx = _open(plan_dir)
    antrag = _find_antrag(ctx, key)
    if (decided := council.decided_by(ctx.plan, antrag)) is not None:
        raise CouncilError(
            f"über den {antrag.label} hat {council.body_name(ctx.plan, decided.gremium)} am "
            f"{decided.datum:%d.%m.%Y} schon beschlossen (Fassung „{decided.fassung}“); er "
            f"bezieht sich auf die Fassung „{antrag.fassung}“, die damit abgeschlossen ist. Ein "
            f"Antrag zum beschlossenen Plan nennt im Kopf 'fassung: {decided.fassung}'")
    ergebnis = _result(dafuer=dafuer, dagegen=dagegen, einstimmig=einstimmig, abgelehnt=abgelehnt,
                       zurueckgezogen=zurueckgezogen, vertagt=vertagt)
    gremium = council.gremium_key(ctx.plan, gremium)
    if (problem := council.not_a_council_body(ctx.plan, gremium)) is not None:
        raise CouncilError(problem)
    bodies = council.council_bodies(ctx.plan)
    punkte = sorted(set(punkte or [p.nr for p in antrag.punkte]))
    unknown = [n for n in punkte if antrag.punkt(n) is None]
    if unknown:
        raise CouncilError(f"{punkte_text(unknown)} gibt es im Änderungsantrag {antrag.nummer} "
                           f"nicht; vorhanden: {numbers_text(p.nr for p in antrag.punkte)}")
    if antrag.datum and datum < antrag.datum:
        raise CouncilError(f"Abstimmung am {datum:%d.%m.%Y} liegt vor dem Antrag vom "
                           f"{antrag.datum:%d.%m.%Y}")
    if (problem := council.too_many_votes(ctx.plan, gremium, dafuer, dagegen, enthaltungen)):
        raise CouncilError(problem)
    for n in punkte:
        withdrawn = [v for v in antrag.abstimmungen if n in v.punkte and v.ergebnis == "zurückgezogen"]
        if withdrawn:
            raise CouncilError(f"Punkt {n} wurde am {withdrawn[0].datum:%d.%m.%Y} zurückgezogen")
        last = antrag.outcome(n, gremium)
        if last is not None and last.ergebnis in ("angenommen", "abgelehnt"):
            raise CouncilError(f"über Punkt {n} hat {council.body_name(ctx.plan, gremium)} am "
                               f"{last.datum:%d.%m.%Y} schon abgestimmt ({last.ergebnis})")
        first = antrag.gremium
        if gremium != first and ergebnis != "zurückgezogen" and first in bodies \
                and bodies.index(gremium) > bodies.index(first):
            advised = antrag.outcome(n, first)
            if advised is None or advised.ergebnis == "vertagt":
                raise CouncilError(
                    f"über Punkt {n} hat {council.body_name(ctx.plan, first)} noch nicht "
                    f"beraten; nach der Beratungsfolge stimmt "
                    f"{council.body_name(ctx.plan, gremium)} erst danach ab")
    record = frontmatter.new_mapping(gremium=gremium, datum=datum, sitzung=sitzung,
                    punkte=CommentedSeq(punkte), ergebnis=ergebnis,
                    einstimmig=True if einstimmig else None, dafuer=dafuer, dagegen=dagegen,
                    enthaltungen=enthaltungen)
    record["punkte"].fa.set_flow_style()
    rel = f"{ctx.prefix}/{antrag.filename}"
    raw = history.read_file_at(ctx.repo, "HEAD", rel)
    if raw is None:
        raise CouncilError(f"{antrag.path} ist noch nicht committet; erst committen "
                           f"(git add {antrag.path} && git commit)")
    new = _rewrite_antrag(raw, antrag.filename, "abstimmungen", record)
    tally = council.Abstimmung(gremium, datum, tuple(punkte), ergebnis, 0, einstimmig, dafuer,
                               dagegen, enthaltungen).tally
    which = punkte_text(punkte)
    subject = (f"{ctx.plan.manifest.gremium_name(gremium)}: {antrag.label}, {which} {ergebnis}"
               + (f" ({tally})" if tally else ""))
    message = (f"{subject}\n\nDatum: {datum.isoformat()}\n"
               + (f"Sitzung: {sitzung}\n" if sitzung else "")
               + f"\n{history.TRAILER}: abstimmung\nLip-Antrag: {rel}\n")
    sha = history.commit_files(ctx.repo, {rel: new}, message)
    return Done(sha, subject)


def _rewrite_antrag(raw: bytes, filename: str, key: str, record: CommentedMap) -> bytes:
    """The Antrag file with `record` appended to its list `key` (its votes, their
    corrections); the rest byte-identical."""
    path = f"plan/{filename}"
    text = frontmatter.split(frontmatter.decode(raw, path), path)
    meta = frontmatter.load(text.yaml_text, path, text.yaml_first_line, editable=True)
    seq = meta.get(key)
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq(seq or [])
        meta[key] = seq
    seq.fa.set_block_style()
    seq.append(record)
    out = text.join(frontmatter.dump(meta, text.yaml_text))
    check = frontmatter.split(out, path)
    if check.body != text.body:  # pragma: no cover - would be a bug
        raise AssertionError("Programmfehler: das Schreiben des Kopfs hat den Text verändert")
    return out.encode("utf-8")


# --- lip berichtigen (a recorded vote) -------------------------------------------------------


def _committed(ctx: _Repo, rel: str, shown: str) -> bytes:
    """The file as last committed: a correction records how the editor changed it since."""
    raw = history.read_file_at(ctx.repo, "HEAD", rel)
    if raw is None:
        raise CouncilError(f"{shown} ist noch nicht committet; es gibt nichts zu berichtigen")
    return raw


def _changed_besides(before: dict, now: Any, kept: str) -> list[str]:
    """The keys of a head (`now`, as in the working tree) other than `kept` that differ from
    the committed `before`: a correction changes the records under `kept` only."""
    plain = frontmatter.to_plain
    now_get = now.get if isinstance(now, dict) else (lambda _key: None)
    return [k for k in dict.fromkeys([*before, *now]) if k != kept
            and plain(before.get(k)) != plain(now_get(k))]


def _refuse_other_changes(shown: str, others: list[str], records: str, only: str) -> None:
    if others:
        raise CouncilError(f"{shown} hat außer den {records} weitere Änderungen, die "
                           f"nicht committet sind ({', '.join(others)}); eine Berichtigung "
                           f"ändert nur {only}. Diese Änderungen erst committen oder "
                           f"verwerfen, dann erneut aufrufen; nichts wurde festgehalten")


def _commit_correction(ctx: _Repo, rel: str, new: bytes, subject: str, record: Any,
                       trailers: str = "") -> Done:
    """Commit the corrected file, its message listing the correction as recorded."""
    from pipeline.review.append_only import CORRECTION, correction_lines

    message = (f"{subject}\n\n" + "".join(f"{line}\n" for line in correction_lines(record))
               + f"\n{history.TRAILER}: {CORRECTION}\n{trailers}")
    return Done(history.commit_files(ctx.repo, {rel: new}, message), subject)


def correct_votes(plan_dir: Path, key: str, *, grund: str, datum: dt.date) -> tuple[Done, str]:
    """Commit a deliberate correction of recorded votes (the editor changed them in the
    Antrag's head), recording who corrected which vote and why, as `lip berichtigen` does for
    the review records: the one way to change what the append-only check holds votes to.
    Called by `record.correct` (which holds the lock); returns what it did and the Antrag's
    path."""
    from pipeline.dates import future_date_problem
    from pipeline.diagnostics import Severity
    from pipeline.review.append_only import (
        correction_record,
        council_records,
        describe_change,
        entry_changes,
    )

    ctx = _open(plan_dir, clean=False)
    antrag = _find_antrag(ctx, key)
    rel = f"{ctx.prefix}/{antrag.filename}"
    before = council.parse_antrag(antrag.filename, _committed(ctx, rel, antrag.path))
    others = _changed_besides(before.meta, antrag.meta, "abstimmungen")
    others += ["Begründung"] if before.text.body != antrag.text.body else []
    _refuse_other_changes(antrag.path, others, "Abstimmungen", "Abstimmungen")
    name = ctx.plan.manifest.gremium_name
    changed = [describe_change(c, name) for c in entry_changes(
        council_records(before.meta), council_records(antrag.meta), ("abstimmungen",))]
    if not changed:
        raise CouncilError(f"{antrag.path}: die Abstimmungen sind gegenüber dem letzten Commit "
                           f"unverändert; erst die Abstimmung im Kopf der Datei berichtigen, dann "
                           f"'lip berichtigen {antrag.key} --grund \"…\"' aufrufen")
    decided = council.decided_by(ctx.plan, antrag)
    problems = [str(d) for d in antrag.problems if d.severity is Severity.ERROR]
    problems += [f"{antrag.path}:{v.line}: abstimmungen[{i}].datum: {why}"
                 for i, v in enumerate(antrag.abstimmungen)
                 if (why := future_date_problem(v.datum)) is not None]
    problems += [str(d) for i, v in enumerate(antrag.abstimmungen)
                 for d in council.vote_problems(ctx.plan, antrag, i, v, decided)
                 if d.severity is Severity.ERROR]
    if problems:
        raise CouncilError(f"{'; '.join(problems)}. Berichtigen nicht möglich: so berichtigt "
                           f"kann die Abstimmung nicht stattgefunden haben; nichts wurde "
                           f"festgehalten. Den Eintrag im Kopf von {antrag.path} richtigstellen "
                           f"und 'lip berichtigen {antrag.key} --grund \"…\"' erneut aufrufen")
    record = correction_record(datum, history.user_name(ctx.repo) or "unbekannt", grund, changed)
    root = Path(ctx.repo.working_tree_dir)
    new = _rewrite_antrag((root / rel).read_bytes(), antrag.filename, "berichtigungen", record)
    return _commit_correction(ctx, rel, new, f"Abstimmungen zum {antrag.label} berichtigt",
                              record, f"Lip-Antrag: {rel}\n"), antrag.path


# --- lip berichtigen beschluss / fassung -----------------------------------------------------


def _follow_beschluss(data: Any, before: list, name) -> None:
    """Where the editor corrected a Beschluss's date or body, the Fassung's date and
    description that `lip beschluss` derived from them follow (if they were still so)."""
    now = data.get("fassungen") if isinstance(data, dict) else None
    for entry in now if isinstance(now, list) else []:
        b = entry.get("beschluss") if isinstance(entry, dict) else None
        old = next((f for f in before if isinstance(f, dict) and f.get("name") == entry.get("name")
                    and isinstance(f.get("beschluss"), dict)), None)
        if not isinstance(b, dict) or old is None:
            continue
        was = old["beschluss"]
        day = b.get("datum")
        if isinstance(day, dt.date) and str(day) != str(was.get("datum")) \
                and str(entry.get("datum")) == str(was.get("datum")):
            # a separate date object: ruamel would write one object met twice as an anchor
            entry["datum"] = dt.date.fromordinal(day.toordinal())
        if entry.get("beschreibung") == adopted_by(name(str(was.get("gremium"))), was.get("datum")):
            entry["beschreibung"] = adopted_by(name(str(b.get("gremium"))), b.get("datum"))


def correct_fassungen(plan_dir: Path, key: str, *, grund: str, datum: dt.date) -> tuple[Done, str]:
    """Commit a deliberate correction of recorded Fassungen and of the council's Beschluss
    (the editor changed them under `fassungen` in plan/lip.yaml; `key` is 'beschluss' or
    'fassung'), recording who corrected what and why under the manifest's `berichtigungen`:
    the one way to change what the append-only check holds them to. Refused when the
    corrected records break the rules `lip beschluss` and `lip check` apply (counts against
    an Annahme and the seats, a date not after today nor before the body's last vote, a
    Fassung's commit and tag). Called by `record.correct` (which holds the lock); returns what
    it did and the manifest's path."""
    from pipeline.commands.fassungen import check_revisions_and_tags
    from pipeline.council.beschluss import check_beschluesse
    from pipeline.plan.validate import check_future_dates
    from pipeline.review.append_only import (
        correction_record,
        council_records,
        describe_change,
        entry_changes,
    )

    ctx = _open(plan_dir, clean=False)
    manifest = ctx.plan.manifest
    rel = f"{ctx.prefix}/{MANIFEST_NAME}" if ctx.prefix else MANIFEST_NAME
    before = frontmatter.load(frontmatter.decode(_committed(ctx, rel, manifest.path),
                                                 manifest.path), manifest.path, 1,
                              editable=False)
    before = before if isinstance(before, dict) else {}
    _refuse_other_changes(manifest.path, _changed_besides(before, manifest.data, "fassungen"),
                          "Fassungen", "Fassungen und Beschluss")
    name = manifest.gremium_name
    who = history.user_name(ctx.repo) or "unbekannt"
    lists = ("fassungen",)
    changed: list[str] = []
    records: list[Any] = []  # the correction `mutate` appends

    def mutate(data: Any) -> None:
        _follow_beschluss(data, before.get("fassungen") or [], name)
        changed.extend(describe_change(c, name) for c in entry_changes(
            council_records(before, lists), council_records(data, lists), lists))
        if not changed:
            raise CouncilError(f"{manifest.path}: die Fassungen und der Beschluss sind gegenüber "
                               f"dem letzten Commit unverändert; erst den Eintrag unter "
                               f"'fassungen' berichtigen, dann 'lip berichtigen {key} --grund "
                               f"\"…\"' aufrufen")
        records.append(correction_record(datum, who, grund, changed))
        _append_to("berichtigungen", records[-1], after="fassungen")(data)

    root = Path(ctx.repo.working_tree_dir)
    new = _manifest_with((root / rel).read_bytes(), mutate)
    corrected = load_plan({**ctx.plan.files, MANIFEST_NAME: new})
    report = plan_report(corrected)
    check_future_dates(corrected, report, dt.date.today())  # the edge says what day it is
    check_beschluesse(corrected, council.load_antraege(corrected)[0], report)
    check_revisions_and_tags(ctx.repo, ctx.prefix, corrected, report)
    problems = [str(d) for d in report.errors if d.path == manifest.path]
    if problems:
        raise CouncilError(f"{'; '.join(problems).rstrip('.')}. Berichtigen nicht möglich: so "
                           f"berichtigt kann der Beschluss (die Fassung) nicht gelten; nichts wurde "
                           f"festgehalten. Den Eintrag unter 'fassungen' in {manifest.path} "
                           f"richtigstellen und 'lip berichtigen {key} --grund \"…\"' erneut "
                           f"aufrufen")
    subject = "Beschluss über den Plan berichtigt" if key == "beschluss" \
        else "Benannte Fassungen berichtigt"
    return _commit_correction(ctx, rel, new, subject, records[-1]), manifest.path


# --- lip beschluss --------------------------------------------------------------------------


def _beschluss_stimmen(plan: Plan, gremium: str, *, dafuer: int | None, dagegen: int | None,
                       enthaltungen: int | None, einstimmig: bool) -> Stimmen:
    """The vote on the Drucksache as `lip beschluss` was given it (none: an empty Stimmen).
    The options and their rules are those of `lip abstimmung` (`_result`); the counts must
    make an Annahme within the body's seats (`beschluss_counts_problem`, also `lip check`'s)."""
    stimmen = Stimmen(einstimmig, dafuer, dagegen, enthaltungen)
    if not einstimmig and dafuer is None and dagegen is None:
        if enthaltungen is not None:
            raise CouncilError("Stimmen: --dafuer und --dagegen zusammen angeben (mit "
                               "--enthaltungen N), oder --einstimmig; nichts wurde festgehalten")
        return stimmen
    _result(dafuer=dafuer, dagegen=dagegen, einstimmig=einstimmig, abgelehnt=False,
            zurueckgezogen=False, vertagt=False)
    if (problem := beschluss_counts_problem(plan, gremium, stimmen)) is not None:
        raise CouncilError(f"Stimmen zum Beschluss: {problem}. Der Beschluss nimmt die "
                           f"Drucksache an; bitte die Stimmen prüfen. Nichts wurde festgehalten")
    return stimmen


@history.serialised("beschluss")
def beschluss(plan_dir: Path, *, gremium: str, datum: dt.date, name: str = "Beschlossene Fassung",
              sitzung: str | None = None, dafuer: int | None = None, dagegen: int | None = None,
              enthaltungen: int | None = None, einstimmig: bool = False) -> Done:
    """Apply every Punkt `gremium` adopted to the text, check it as final, commit it and name
    it as a Fassung (two commits: the text, then its name; the tag marks the first). The
    vote on the Drucksache (optional, as `lip abstimmung` takes it) is kept with the
    Beschluss in plan/lip.yaml."""
    from pipeline.review import check_final

    _not_in_future(datum)
    ctx = _open(plan_dir)
    gremium = council.gremium_key(ctx.plan, gremium)
    if (problem := council.not_a_council_body(ctx.plan, gremium)) is not None:
        raise CouncilError(problem)
    stimmen = _beschluss_stimmen(ctx.plan, gremium, dafuer=dafuer, dagegen=dagegen,
                                 enthaltungen=enthaltungen, einstimmig=einstimmig)
    final_word = council.deciding_body(ctx.plan)
    if gremium != final_word:
        raise CouncilError(
            f"den Beschluss fasst {council.body_name(ctx.plan, final_word)}, das letzte "
            f"beschließende Gremium der Beratungsfolge; was "
            f"{council.body_name(ctx.plan, gremium)} abstimmt, ist eine Empfehlung. Nach den "
            f"Abstimmungen in {council.body_name(ctx.plan, final_word, 'dat')}: "
            f"lip beschluss --gremium {final_word} --datum TT.MM.JJJJ")
    antraege, unread = council.load_antraege(ctx.plan)
    if unread:
        raise CouncilError(str(unread[0]))
    antraege = [a for a in antraege if council.decided_by(ctx.plan, a) is None]
    done_before = beschluesse(ctx.plan)
    if done_before and not antraege:
        last = done_before[-1]
        raise CouncilError(
            f"{council.body_name(ctx.plan, last.gremium)} hat den Plan am "
            f"{last.datum:%d.%m.%Y} schon beschlossen (Fassung „{last.fassung}“); die "
            f"angenommenen Punkte der Änderungsanträge stehen schon im Text. Ändert der Rat den "
            f"beschlossenen Plan später, bezieht sich der neue Antrag auf die Fassung "
            f"„{last.fassung}“ (im Kopf 'fassung: {last.fassung}'); nach den Abstimmungen "
            f"darüber: lip beschluss --gremium {final_word} --datum TT.MM.JJJJ --name \"…\"")
    tag = _refuse_taken(ctx, name)
    if (latest := last_vote(antraege, gremium)) is not None and latest[1].datum > datum:
        a, v = latest
        raise CouncilError(
            f"Beschluss am {datum:%d.%m.%Y} liegt vor der Abstimmung vom {v.datum:%d.%m.%Y} in "
            f"{council.body_name(ctx.plan, gremium, 'dat')} ({a.label}, {punkte_text(v.punkte)}); "
            f"der Beschluss folgt auf die letzte Abstimmung, über die er entscheidet: das Datum "
            f"prüfen (--datum TT.MM.JJJJ)")
    report = Report()
    at_fassung = plans_at_fassungen(plan_dir, ctx.plan)
    antraege, unresolved = resolved_antraege(plan_dir, antraege, ctx.plan, at_fassung)
    report.extend(unresolved)
    council.check_antraege(ctx.plan, antraege, at_fassung, report)
    if report.errors:
        raise CouncilError("die Änderungsanträge haben Fehler; erst berichtigen (lip check): "
                           + "; ".join(str(d) for d in report.errors[:3]))
    before = Report()
    check_final(ctx.plan, before)
    if before.errors:
        raise CouncilError("der Text, über den beschlossen wird, ist noch nicht endgültig "
                           "('lip check --final'): " + "; ".join(str(d) for d in before.errors[:3]))
    waiting = open_points(antraege, gremium)
    if waiting:
        raise CouncilError(f"{council.body_name(ctx.plan, gremium)} hat noch nicht "
                           f"über alle Punkte abgestimmt: {'; '.join(waiting)}")
    points = adopted(antraege, gremium)
    dangling = [(x, links) for x in points if (links := council.lost_links(ctx.plan, x.punkt))]
    if dangling:
        raise CouncilError(
            "der beschlossene Text hätte Verweise ins Leere: "
            + "; ".join(f"{x.label} ({council.what(x.punkt)}): es verweist noch "
                        f"{council.links_text(links)}" for x, links in dangling)
            + ". Die Verweise als redaktionelle Folgeänderung anpassen (den Link entfernen oder "
              "auf das richtige Ziel lenken), committen, das Kapitel erneut vorlegen und "
              "annehmen lassen (lip vorlegen KAPITEL, lip entscheiden KAPITEL --angenommen), "
              "dann lip beschluss erneut aufrufen")
    try:
        bodies_new = apply_adopted(ctx.plan, at_fassung, points)
    except BeschlussConflict as e:
        raise CouncilError("die angenommenen Punkte lassen sich nicht zusammen übernehmen: "
                           + "; ".join(e.reasons)) from None
    files = dict(ctx.plan.files)
    changed: dict[str, bytes] = {}
    for chapter in ctx.plan.chapters:
        if chapter.filename in bodies_new:
            split = dataclasses.replace(chapter.text, body=bodies_new[chapter.filename])
            changed[chapter.filename] = split.join().encode("utf-8")
    files.update(changed)
    texts = {ch.filename: ch.text_sha256 for ch in load_plan(files).chapters}
    texts.update({f: text_hash(b) for f, b in bodies_new.items()})
    entry = frontmatter.new_mapping(name=name, datum=datum, rev=None, tag=tag,
                   beschreibung=adopted_by(ctx.plan.manifest.gremium_name(gremium), datum),
                   endgueltig=True,
                   beschluss=frontmatter.new_mapping(
                       gremium=gremium, datum=dt.date.fromordinal(datum.toordinal()),
                       einstimmig=True if einstimmig else None, dafuer=dafuer, dagegen=dagegen,
                       enthaltungen=enthaltungen))
    # a separate date object: ruamel would write one object met twice as an anchor and alias
    entry["texte"] = CommentedMap(sorted(texts.items()))
    manifest_raw = files[MANIFEST_NAME]
    probe = dict(files)
    probe_entry = CommentedMap(entry)
    probe_entry["rev"] = "HEAD"
    probe[MANIFEST_NAME] = _manifest_with(manifest_raw, _append_fassung(probe_entry))
    final = load_plan(probe)
    check = plan_report(final)
    check_final(final, check)
    if check.errors:
        raise CouncilError("der beschlossene Text besteht 'lip check --final' nicht: "
                           + "; ".join(str(d) for d in check.errors[:3]))
    parent = history.head_sha(ctx.repo)
    subject = (f"{ctx.plan.manifest.gremium_name(gremium)}: Beschluss vom {datum:%d.%m.%Y}"
               + (f" ({stimmen.tally})" if stimmen.tally else "")
               + f", {counted(len(points), 'Punkt', 'Punkte')} aus Änderungsanträgen übernommen")
    lines = [f"{x.label}: {council.what(x.punkt)}" for x in points]
    message = (f"{subject}\n\n" + "\n".join(lines or ["keine Änderungen am Text"]) + "\n"
               + (f"Sitzung: {sitzung}\n" if sitzung else "")
               + f"\n{history.TRAILER}: beschluss\n")
    text_files = {f"{ctx.prefix}/{f}": data for f, data in changed.items()}
    if text_files:
        text_commit = history.commit_files(ctx.repo, text_files, message)
    else:
        text_commit = parent
    entry_rev = CommentedMap(entry)
    entry_rev["rev"] = text_commit
    ordered = frontmatter.new_mapping(**{k: entry_rev[k] for k in ("name", "datum", "rev", "tag", "beschreibung",
                                                   "endgueltig", "beschluss", "texte")})
    name_message = (f"Fassung „{name}“ benannt ({ctx.plan.manifest.gremium_name(gremium)}, "
                    f"{datum:%d.%m.%Y})\n\nStand: {text_commit[:10]}\nTag: {tag}\n\n"
                    f"{history.TRAILER}: fassung\n")
    try:
        done = _commit_manifest(ctx, _append_fassung(ordered), name_message, tag, text_commit, ())
    except PipelineError:
        if text_commit != parent:
            history.reset_head(ctx.repo, text_commit, parent)
            history.restore_files(ctx.repo, parent, list(text_files))
        raise
    return Done(done.commit, subject, tuple(lines) + (f"Fassung „{name}“ (Tag {tag})",))
