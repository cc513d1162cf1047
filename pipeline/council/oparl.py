"""The plan's council record as OParl 1.1 objects (pure): Germany's standard interface for
council information systems, so that a Ratsinformationssystem can take the Drucksache, its
Änderungsanträge and their Beratungen without retyping.

Every object's id is the URL it is published under (`<basis>/<type>/<key>.json`), so that the
output folder can be served as it is. Nothing depends on the clock: timestamps are the commit's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.council.antraege import Antrag, council_bodies
from pipeline.plan import Plan
from pipeline.plan.fassungen import beschluss_of
from pipeline.wording import number_order, punkte_text, slug

SCHEMA = "https://schema.oparl.org/1.1/"


@dataclass(frozen=True)
class PdfFile:
    """A PDF that belongs to the record: which paper it is for, and its bytes' fingerprints."""

    key: str
    """Stable key, e.g. 'drucksache' or 'antrag-1'."""
    file_name: str
    size: int
    sha256: str
    sha512: str
    date: dt.date | None = None


RESULTS_PREFIX = "beschlussuebersicht-"
"""Key prefix of a meeting's Beschlussübersicht; the rest is the meeting's key
(`<gremium>-<JJJJ-MM-TT>`, as `lip beschlussuebersicht` names its file)."""


def _key(text: str) -> str:
    return slug(text, "x")


class _Urls:
    def __init__(self, base: str):
        self.base = base.rstrip("/")

    def __call__(self, kind: str, key: str) -> str:
        return f"{self.base}/{kind}/{_key(key)}.json"


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _meeting_key(gremium: str, datum: dt.date) -> str:
    return f"{gremium}-{datum.isoformat()}"


def build(plan: Plan, antraege: list[Antrag], *, base_url: str, committed: dt.datetime,
          pdfs: list[PdfFile]) -> dict[str, dict]:
    """{relative output path: OParl object} for the whole council record."""
    url = _Urls(base_url)
    manifest = plan.manifest
    drucksache = manifest.get("drucksache") or {}
    stamp = _stamp(committed)
    common = {"created": stamp, "modified": stamp}
    nummer = str(drucksache.get("nummer", "")) or "lip"
    body_url = url("body", "stadt")
    bodies = council_bodies(plan)
    objects: dict[str, dict] = {}

    def put(obj: dict) -> dict:
        path = obj["id"][len(url.base) + 1:]
        objects[path] = obj
        return obj

    files_by_key = {f.key: f for f in pdfs}

    def file_obj(pdf: PdfFile, paper_url: str, *, of: str = "paper") -> dict:
        """The File of a paper (`of="paper"`) or of a meeting (`of="meeting"`)."""
        access = f"{url.base}/dateien/{pdf.file_name}"
        obj = {"id": url("file", pdf.key), "type": SCHEMA + "File", "name": pdf.file_name,
               "fileName": pdf.file_name, "mimeType": "application/pdf", "size": pdf.size,
               "sha512Checksum": pdf.sha512, "sha256Checksum": pdf.sha256,
               "accessUrl": access, "downloadUrl": access, of: [paper_url], **common}
        if pdf.date:
            obj["date"] = pdf.date.isoformat()
        return put(obj)

    organizations = {}
    for key in bodies:
        organizations[key] = put({
            "id": url("organization", key), "type": SCHEMA + "Organization", "body": body_url,
            "name": manifest.gremium_name(key), "organizationType": "Gremium",
            "classification": "Ausschuss" if "ausschuss" in key else "Hauptorgan",
            "meeting": url("liste", f"sitzungen-{key}"), **_seats(manifest.gremien.get(key)),
            **common})

    # Meetings and agenda items: one meeting per body and date with recorded votes.
    meetings: dict[str, dict] = {}
    agenda: dict[tuple[str, str], dict] = {}

    def meeting(gremium: str, datum: dt.date, sitzung: str | None) -> dict:
        key = _meeting_key(gremium, datum)
        if key not in meetings:
            name = sitzung or f"Sitzung {manifest.gremium_name(gremium)} am {datum:%d.%m.%Y}"
            meetings[key] = put({
                "id": url("meeting", key), "type": SCHEMA + "Meeting", "name": name,
                "start": f"{datum.isoformat()}T00:00:00+00:00", "meetingState": "durchgeführt",
                "organization": [url("organization", gremium)], "agendaItem": [], **common})
        return meetings[key]

    def agenda_item(m: dict, paper_url: str, name: str, result: str) -> dict:
        key = (m["id"], paper_url)
        if key not in agenda:
            order = len(m["agendaItem"]) + 1
            item_key = f"{m['id'].rsplit('/', 1)[-1].removesuffix('.json')}-top-{order}"
            agenda[key] = put({
                "id": url("agendaitem", item_key), "type": SCHEMA + "AgendaItem",
                "meeting": m["id"], "number": str(order), "order": order, "name": name,
                "public": True, "result": result, **common})
            m["agendaItem"].append(agenda[key])  # embedded, as OParl wants it
        return agenda[key]

    paper_url = url("paper", nummer)
    main = {"id": paper_url, "type": SCHEMA + "Paper", "body": body_url,
            "name": str(drucksache.get("titel") or plan.title), "reference": nummer,
            "paperType": str(drucksache.get("art", "Beschlussdrucksache")),
            "subordinatedPaper": [], "consultation": [], "auxiliaryFile": [], **common}
    if drucksache.get("datum"):
        main["date"] = str(drucksache["datum"])
    put(main)
    if "drucksache" in files_by_key:
        main["mainFile"] = file_obj(files_by_key["drucksache"], paper_url)

    decided = beschluss_of(plan)  # the one reader (commands/oparl.py checks it first)
    beschluss = (decided.gremium, decided.datum) if decided is not None else None
    tally = f" ({decided.stimmen.tally})" if decided is not None and decided.stimmen.tally else ""
    for a in sorted(antraege, key=lambda a: number_order(a.nummer)):
        a_url = url("paper", f"{nummer}-antrag-{a.nummer}")
        paper = {"id": a_url, "type": SCHEMA + "Paper", "body": body_url,
                 "name": a.titel or a.label, "reference": f"{nummer} Änderungsantrag {a.nummer}",
                 "paperType": "Änderungsantrag", "superordinatedPaper": [paper_url],
                 "relatedPaper": [paper_url], "consultation": [], **common}
        if a.datum:
            paper["date"] = a.datum.isoformat()
        put(paper)
        main["subordinatedPaper"].append(a_url)
        pdf = files_by_key.get(f"antrag-{a.nummer}")
        if pdf is not None:
            paper["mainFile"] = file_obj(pdf, a_url)
        seen: set[str] = set()
        for v in a.abstimmungen:
            m = meeting(v.gremium, v.datum, v.sitzung)
            item = agenda_item(m, a_url, a.label, "")
            outcome = f"{punkte_text(v.punkte)}: {v.ergebnis}" + (f" ({v.tally})" if v.tally else "")
            item["result"] = "; ".join(x for x in (item["result"], outcome) if x)
            key = f"{a_url}|{m['id']}"
            if key in seen:
                continue
            seen.add(key)
            c_key = f"{nummer}-antrag-{a.nummer}-{_meeting_key(v.gremium, v.datum)}"
            paper["consultation"].append({
                "id": url("consultation", c_key), "type": SCHEMA + "Consultation", "paper": a_url,
                "meeting": m["id"], "agendaItem": item["id"],
                "organization": [url("organization", v.gremium)],
                "authoritative": beschluss is not None and v.gremium == beschluss[0],
                "role": "Entscheidung" if beschluss and v.gremium == beschluss[0] else "Beratung",
                **common})
        # the Drucksache itself was on the agenda wherever one of its Anträge was voted on
    for m in sorted(meetings.values(), key=lambda m: m["id"]):
        gremium = m["organization"][0].rsplit("/", 1)[-1].removesuffix(".json")
        decides = beschluss is not None and m["id"] == url("meeting", _meeting_key(*beschluss))
        item = agenda_item(m, paper_url, str(drucksache.get("titel") or plan.title),
                           f"beschlossen mit Änderungen{tally}" if decides else "beraten")
        main["consultation"].append({
            "id": url("consultation", f"{nummer}-{m['id'].rsplit('/', 1)[-1].removesuffix('.json')}"),
            "type": SCHEMA + "Consultation", "paper": paper_url, "meeting": m["id"],
            "agendaItem": item["id"], "organization": [url("organization", gremium)],
            "authoritative": decides, "role": "Entscheidung" if decides else "Beratung", **common})
    if beschluss is not None and not any(c["authoritative"] for c in main["consultation"]):
        m = meeting(beschluss[0], beschluss[1], None)
        item = agenda_item(m, paper_url, str(drucksache.get("titel") or plan.title),
                           f"beschlossen{tally}")
        main["consultation"].append({
            "id": url("consultation", f"{nummer}-{_meeting_key(*beschluss)}"),
            "type": SCHEMA + "Consultation", "paper": paper_url, "meeting": m["id"],
            "agendaItem": item["id"], "organization": [url("organization", beschluss[0])],
            "authoritative": True, "role": "Entscheidung", **common})
    # A meeting's Beschlussübersicht (rat/beschlussuebersicht-<gremium>-<datum>.pdf) is its
    # Ergebnisprotokoll: what a council office looks up first for a meeting.
    for pdf in pdfs:
        m = meetings.get(pdf.key.removeprefix(RESULTS_PREFIX)) if pdf.key.startswith(RESULTS_PREFIX) else None
        if m is not None:
            m["resultsProtocol"] = file_obj(pdf, m["id"], of="meeting")
    for pdf in pdfs:
        if pdf.key.startswith("ergaenzung"):
            e_url = url("paper", f"{nummer}-{pdf.key}")
            put({"id": e_url, "type": SCHEMA + "Paper", "body": body_url,
                 "name": f"Ergänzung zur Drucksache {nummer}",
                 "reference": f"{nummer} {pdf.key.removeprefix('ergaenzung-').upper()}",
                 "paperType": "Ergänzung", "superordinatedPaper": [paper_url], **common,
                 "mainFile": file_obj(pdf, e_url)})
            main["subordinatedPaper"].append(e_url)
    papers = sorted(o["id"] for o in objects.values() if o["type"].endswith("/Paper"))
    # A Consultation is embedded in its Paper and also published under its own id, so that the
    # id resolves; its agenda item points back to it (OParl 1.1: AgendaItem.consultation, 1:1).
    by_id = {o["id"]: o for o in objects.values()}
    for paper_id in papers:
        for c in by_id[paper_id].get("consultation", []):
            put(dict(c))
            by_id[c["agendaItem"]]["consultation"] = c["id"]
    put({"id": body_url, "type": SCHEMA + "Body", "name": str(manifest.get("herausgeber") or "Stadt"),
         "system": url("system", "lip"), "organization": url("liste", "organisationen"),
         "person": url("liste", "personen"), "meeting": url("liste", "sitzungen"),
         "paper": url("liste", "drucksachen"), "legislativeTerm": [], **common})
    put({"id": url("system", "lip"), "type": SCHEMA + "System", "oparlVersion": SCHEMA,
         "name": f"{plan.title} (lip)", "body": url("liste", "koerperschaften"), **common})
    lists = {"organisationen": sorted(o["id"] for o in organizations.values()), "personen": [],
             "sitzungen": sorted(m["id"] for m in meetings.values()), "drucksachen": papers,
             "koerperschaften": [body_url]}
    for key in organizations:
        lists[f"sitzungen-{key}"] = sorted(m["id"] for m in meetings.values()
                                           if m["organization"] == [url("organization", key)])
    for name, ids in lists.items():
        objects[f"liste/{name}.json"] = {"data": [objects[i[len(url.base) + 1:]] for i in ids],
                                         "pagination": {"totalElements": len(ids)},
                                         "links": {}}
    return objects


def _seats(entry) -> dict:
    seats = entry.get("sitze") if isinstance(entry, dict) else None
    return {"votingMemberCount": seats} if isinstance(seats, int) else {}

