"""Word round trip (issue 17): export a chapter, edit it in LibreOffice (scripted, real tracked
changes) or as OOXML the way Word writes it, import it as a proposal branch."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import git
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.cli import lip_in_process
from support.office import needs_lo, run_script
from support.repos import init_repo

from pipeline.plan import load_plan
from pipeline.plan.frontmatter import split
from pipeline.word.source import apply_plain, leaves, normal, plain_map

ROOT = Path(__file__).resolve().parent.parent


lip = lip_in_process


@pytest.fixture
def repo(tmp_path, monkeypatch, fixed_git_dates):
    """The shipped plan, committed once, as the current folder."""
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "plan", root / "plan")
    r = init_repo(root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("NO_COLOR", "1")
    return r


def body_of(repo: git.Repo, rev: str, rel: str = "plan/11-bildung.md") -> str:
    data = repo.git.show(f"{rev}:{rel}")
    return split(data + "\n", rel).body


def export(capsys, *args: str) -> Path:
    code, out, err = lip(["word-export", *args], capsys)
    assert code == 0, err
    return Path(out.strip().splitlines()[0])


def custom_properties(data: bytes) -> dict[str, str]:
    xml = zipfile.ZipFile(io.BytesIO(data)).read("docProps/custom.xml").decode()
    return dict(re.findall(r'name="([^"]+)"><vt:lpwstr>([^<]*)<', xml))


def branches(repo: git.Repo) -> set[str]:
    return {h.name for h in repo.heads}


# --- export and provenance --------------------------------------------------------------------


def test_export_carries_commit_chapter_and_text_hash(repo, capsys):
    path = export(capsys, "bildung")
    props = custom_properties(path.read_bytes())
    chapter = load_plan(Path("plan")).chapter("bildung")
    assert props["lip-kapitel"] == "bildung"
    assert props["lip-commit"] == repo.head.commit.hexsha
    assert props["lip-text-sha256"] == chapter.text_sha256
    assert props["lip-plan"] == repo.head.commit.hexsha  # the first commit names the plan
    document = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert "Maßnahme 1.1.1: Sprachbildung im Kita-Alltag verankern" in document
    # the page header tells a reviewer the date of the text, not its commit
    headers = "".join(zipfile.ZipFile(path).read(n).decode()
                      for n in zipfile.ZipFile(path).namelist() if n.startswith("word/header"))
    date = repo.head.commit.committed_datetime.astimezone(dt.UTC).strftime("%d.%m.%Y")
    assert f"zur Überarbeitung, Stand {date}" in headers
    assert repo.head.commit.hexsha[:7] not in headers
    assert "Federführung" in document


def test_export_names_the_plan_and_the_chapter_in_its_header(repo, capsys):
    """A reviewer gets the file alone: its header says which plan and chapter it is."""
    exported = export(capsys, "bildung")
    header = zipfile.ZipFile(exported).read("word/header1.xml").decode()
    texts = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", header))
    assert "LIP 2.0 · 1 Bildung" in texts and "zur Überarbeitung, Stand" in texts


def test_build_docx_carries_the_same_provenance(repo):
    from pipeline.commands.build import build

    result = build(Path("plan"), output=Path("build"), formats=["docx"])
    props = custom_properties(result.outputs["docx"].read_bytes())
    chapter = load_plan(Path("plan")).chapter("bildung")
    assert props["lip-commit"] == repo.head.commit.hexsha
    assert props["lip-text-sha256-bildung"] == chapter.text_sha256
    assert "bildung" in props["lip-kapitel"].split()


# --- LibreOffice: the real round trip ---------------------------------------------------------

EDITS = [
    {"author": "Erika Muster", "op": "replace", "find": "wichtigste", "text": "zentrale"},
    {"author": "Erika Muster", "op": "insert_after", "find": "Familiensprachen der Kinder",
     "text": " ausdrücklich"},
    {"author": "Hans Prüfer", "op": "delete", "find": " und Unterricht"},
    {"author": "Hans Prüfer", "op": "paragraph_after", "find": "Bildungserwartungen haben.",
     "text": "Ein ganz neuer Absatz."},
    {"author": "Ute Beirat", "op": "replace", "find": "Fachbereich Jugend und Familie",
     "text": "Fachbereich Jugend, Familie und Bildung"},
    {"author": "Ute Beirat", "op": "paragraph_after", "find": "unabhängig von ihren "
     "Deutschkenntnissen.", "text": "Ziel 1.1.4: Kitas arbeiten mit den Familienzentren."},
    {"author": "Hans Prüfer", "op": "delete_paragraph",
     "find": "Kinder aus zugewanderten Familien besuchen eine Kita im Durchschnitt"},
    {"author": "Ute Beirat", "op": "bold", "find": "Hochschulen sind eigenständig"},
    {"author": "Ute Beirat", "op": "move_down", "find": "Ziel 1.2.1:"},
]


def by_hand(body: str) -> str:
    """The same edits, applied to the Markdown by hand."""
    body = body.replace("der wichtigste Schlüssel", "der zentrale Schlüssel", 1)
    body = body.replace("Familiensprachen der Kinder als", "Familiensprachen der Kinder "
                        "ausdrücklich als", 1)
    body = body.replace("Lehrkräfte und Unterricht,", "Lehrkräfte,", 1)
    body = body.replace("Bildungserwartungen haben.\n", "Bildungserwartungen haben.\n\n"
                        "Ein ganz neuer Absatz.\n", 1)
    body = body.replace(":   Fachbereich Jugend und Familie", ":   Fachbereich Jugend, Familie "
                        "und Bildung", 1)
    body = body.replace("unabhängig von ihren Deutschkenntnissen.\n", "unabhängig von ihren "
                        "Deutschkenntnissen.\n- **Ziel 1.1.4:** Kitas arbeiten mit den "
                        "Familienzentren.\n", 1)
    start = body.index("Kinder aus zugewanderten Familien besuchen eine Kita im Durchschnitt")
    end = body.index("\n\n", start) + 2
    body = body[:start] + body[end:]
    first = body.index("- **Ziel 1.2.1:**")  # moved below Ziel 1.2.2
    second = body.index("\n", first) + 1
    after = body.index("\n", second) + 1
    return body[:first] + body[second:after] + body[first:second] + body[after:]


def imported(capsys, path: Path, *options: str) -> tuple[str, str]:
    """`lip word-import [options] path`, which must succeed: its output and the proposal
    branch it names."""
    code, out, err = lip(["word-import", *options, str(path)], capsys)
    assert code == 0, err
    return out, re.search(r"Branch (vorschlag/\S+)", out).group(1)


def lo_edit(src: Path, out: Path, steps: list[dict]) -> Path:
    script = out.with_suffix(".json")
    script.write_text(json.dumps(steps), encoding="utf-8")
    run_script("lo_edit_docx.py", src.resolve(), out, script, cwd=out.parent)
    return out


@needs_lo
@pytest.mark.slow
def test_libreoffice_round_trip_is_exact(repo, capsys, tmp_path):
    exported = export(capsys, "bildung")
    base = body_of(repo, "HEAD")
    head = repo.head.commit.hexsha
    reviewed = lo_edit(exported, tmp_path / "rueckmeldung.docx", EDITS)

    out, branch = imported(capsys, reviewed)
    assert branch.startswith("vorschlag/bildung-erika-muster-")
    assert f"lip redline main {branch}" in out
    assert "1 reine Formatänderung" in out  # LibreOffice's w:rPrChange: reported, not applied
    assert "Verschiebung" in out  # w:moveFrom/w:moveTo
    assert body_of(repo, branch) == by_hand(base)
    # one commit per author, in the order they changed something, with their names
    log = repo.git.log("--format=%an|%s", f"main..{branch}").splitlines()
    assert [line.split("|")[0] for line in log] == ["Ute Beirat", "Hans Prüfer", "Erika Muster"]
    assert "Bildung: 3 Änderungen von Erika Muster" in log[-1]
    # main, the index and the working tree are untouched
    assert repo.head.commit.hexsha == head
    assert repo.git.status("--porcelain", "--", "plan") == ""

    accepted = lo_edit(reviewed, tmp_path / "angenommen.docx", [{"op": "accept_all"}])
    out, branch2 = imported(capsys, accepted)
    assert branch2 != branch  # never overwritten: a new suffix
    assert body_of(repo, branch2) == body_of(repo, branch)

    rejected = lo_edit(reviewed, tmp_path / "abgelehnt.docx", [{"op": "reject_all"}])
    before = branches(repo)
    code, out, err = lip(["word-import", str(rejected)], capsys)
    assert code == 1 and "keine Änderungen" in err  # rejecting all gives the base text
    assert branches(repo) == before


# --- OOXML as Word writes it -------------------------------------------------------------------

W_DATE = "2026-11-30T09:15:00Z"


def _run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def word_edit(data: bytes, find: str, *, insert: str = "", delete: bool = False,
              author: str = "Petra Word", comment: str = "", format_only: bool = False,
              move_to: str = "", comment_id: int = 0) -> bytes:
    """Rewrite the run holding `find` the way Word marks an edit: w:del/w:ins with w:rsid,
    a comment range with comments.xml, a w:rPrChange, or a w:moveFrom/w:moveTo pair."""
    z = zipfile.ZipFile(io.BytesIO(data))
    files = {n: z.read(n) for n in z.namelist()}
    xml = files["word/document.xml"].decode()
    m = re.search(r'<w:r>(<w:rPr>(?:(?!</w:r>).)*?</w:rPr>)?<w:t xml:space="preserve">([^<]*?)'
                  + re.escape(find) + r"([^<]*)</w:t></w:r>", xml)
    assert m, find
    before, after = m.group(2), m.group(3)
    attrs = f'w:author="{author}" w:date="{W_DATE}"'
    middle = _run(find)
    if delete or move_to:
        tag = "moveFrom" if move_to else "del"
        middle = (f'<w:{tag} w:id="901" {attrs}><w:r w:rsidDel="00A1B2C3"><w:delText '
                  f'xml:space="preserve">{find}</w:delText></w:r></w:{tag}>')
    if insert:
        middle += f'<w:ins w:id="902" {attrs}><w:r w:rsidR="00A1B2C3">' \
                  f'<w:t xml:space="preserve">{insert}</w:t></w:r></w:ins>'
    if format_only:
        middle = (f'<w:r><w:rPr><w:b/><w:rPrChange w:id="903" {attrs}><w:rPr/></w:rPrChange>'
                  f'</w:rPr><w:t xml:space="preserve">{find}</w:t></w:r>')
    if comment:
        c = comment_id
        middle = (f'<w:commentRangeStart w:id="{c}"/>{middle}<w:commentRangeEnd w:id="{c}"/>'
                  f'<w:r><w:commentReference w:id="{c}"/></w:r>')
    xml = xml[:m.start()] + _run(before) + middle + _run(after) + xml[m.end():]
    if move_to:  # the run holding `move_to` is cut after it, the moved text goes between
        t = re.search(r'<w:r><w:t xml:space="preserve">([^<]*?' + re.escape(move_to)
                      + r')([^<]*)</w:t></w:r>', xml)
        xml = (xml[:t.start()] + _run(t.group(1)) + f'<w:moveTo w:id="904" {attrs}><w:r>'
               f'<w:t xml:space="preserve"> {find.strip()}</w:t></w:r></w:moveTo>'
               + _run(t.group(2)) + xml[t.end():])
    files["word/document.xml"] = xml.encode()
    if comment and "word/comments.xml" in files:  # one more comment in the list
        files["word/comments.xml"] = re.sub(rb"<w:comments([^>]*?)\s*/>", rb"<w:comments\1>"
                                            rb"</w:comments>", files["word/comments.xml"])
        files["word/comments.xml"] = files["word/comments.xml"].replace(
            b"</w:comments>", f'<w:comment w:id="{comment_id}" {attrs} w:initials="PW"><w:p>'
            f'<w:r><w:t>{comment}</w:t></w:r></w:p></w:comment></w:comments>'.encode())
    elif comment:
        files["word/comments.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments xmlns:w='
            '"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:comment w:id='
            f'"{comment_id}" {attrs} w:initials="PW"><w:p><w:r><w:t>{comment}</w:t></w:r></w:p>'
            '</w:comment></w:comments>').encode()
        rels = files["word/_rels/document.xml.rels"].decode()
        if "comments.xml" not in rels:
            files["word/_rels/document.xml.rels"] = rels.replace(
                "</Relationships>", '<Relationship Id="rIdKommentar" Type="http://schemas.'
                'openxmlformats.org/officeDocument/2006/relationships/comments" '
                'Target="comments.xml"/></Relationships>').encode()
            types = files["[Content_Types].xml"].decode()
            files["[Content_Types].xml"] = types.replace(
                "</Types>", '<Override PartName="/word/comments.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>'
            ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, content in files.items():
            dst.writestr(name, content)
    return out.getvalue()


def test_word_ooxml_changes_comments_and_format_changes(repo, capsys, tmp_path):
    exported = export(capsys, "bildung")
    base = body_of(repo, "HEAD")
    data = exported.read_bytes()
    data = word_edit(data, "nach wie vor ", delete=True, author="Petra Word")
    data = word_edit(data, "Kita-Lots", insert="innen und Lots", author="Max Zwei")
    data = word_edit(data, "Schulplatzvergabe", comment="Wer finanziert das? *Alle* Träger?",
                     author="Petra Word")
    data = word_edit(data, "im Alltag und erkennen", comment="Auch in der Krippe?",
                     author="Max Zwei", comment_id=1)
    data = word_edit(data, "Hochschulen sind eigenständig", format_only=True)
    path = tmp_path / "word.docx"
    path.write_bytes(data)

    out, branch = imported(capsys, path)
    assert branch.endswith("2026-11-30")
    expected = base.replace("aber nach wie vor stark", "aber stark", 1).replace(
        "Geschulte Kita-Lots*innen", "Geschulte Kita-Lotsinnen und Lots*innen", 1)
    assert body_of(repo, branch) == expected
    assert "reine Formatänderung" in out
    # counted, and dated as every date a user reads
    assert "\n  Petra Word: 1 Änderung (bis 30.11.2026)\n" in out
    assert "\n  Max Zwei: 1 Änderung (bis 30.11.2026)\n" in out
    assert "\n  2 Kommentare in plan/anmerkungen/bildung-2026-11-30.md\n" in out
    log = repo.git.log("--format=%an|%aI|%s", f"main..{branch}").splitlines()
    authors = [line.split("|")[0] for line in log]
    assert authors == ["Max Zwei", "Max Zwei", "Petra Word"]  # comments, then by first change
    assert "2 Anmerkungen von Max Zwei, Petra Word" in log[0]
    assert log[-1].split("|")[1].startswith("2026-11-30T09:15:00")
    comments = repo.git.show(f"{branch}:plan/anmerkungen/bildung-2026-11-30.md")
    # as typed: the file is Markdown, and `*Alle*` would read as emphasis (walk)
    assert "\n\nWer finanziert das? \\*Alle\\* Träger?" in comments
    assert "> Schulplatzvergabe" in comments
    assert "## Maßnahme 1.3.1 (`m-1-3-1`)\n\n**Petra Word**, 30.11.2026:" in comments
    assert "## Ziel 1.1.2 (`z-1-1-2`)\n\n**Max Zwei**, 30.11.2026:\n\n> im Alltag und erkennen" \
        in comments
    assert "Auch in der Krippe?" in comments


def test_status_lists_the_proposals_not_yet_taken_in(repo, capsys, tmp_path):
    """What came back from Word waits on its branch; `lip status` names each proposal with
    its chapters, words (as its redline counts them), comments, authors and date, until it is
    merged or deleted."""
    exported = export(capsys, "bildung")
    data = word_edit(exported.read_bytes(), "nach wie vor ", delete=True, author="Petra Word")
    data = word_edit(data, "Kita-Lots", insert="innen und Lots", author="Max Zwei")
    data = word_edit(data, "Schulplatzvergabe", comment="Wer finanziert das?", author="Petra Word")
    path = tmp_path / "word.docx"
    path.write_bytes(data)
    _, branch = imported(capsys, path)

    # the words as the proposal's redline counts them („Kita-Lots*innen“ is one word)
    code, _, err = lip(["redline", "main", branch, "--format", "md"], capsys)
    assert code == 0
    assert "1 Bildung: 3 Wörter eingefügt, 4 Wörter gestrichen" in err
    code, out, _ = lip(["status"], capsys)
    assert code == 0
    tail = out.split("\nOffene Vorschläge aus Word (1, noch nicht übernommen)\n", 1)[1]
    assert tail.splitlines() == [
        f"  {branch}",
        "     1 Bildung · 3 Wörter eingefügt, 4 Wörter gestrichen · mit Anmerkungen · "
        "Petra Word, Max Zwei, 30.11.2026",
        "     Ansehen: lip redline main BRANCH · übernehmen: git merge BRANCH · verwerfen: "
        "git branch -D BRANCH"]
    code, out, _ = lip(["status", "--json"], capsys)
    assert json.loads(out)["vorschlaege"] == [{
        "branch": branch, "kapitel": ["1 Bildung"], "autoren": ["Petra Word", "Max Zwei"],
        "datum": "2026-11-30", "woerter_hinzu": 3, "woerter_entfernt": 4,
        "woerter": "3 Wörter eingefügt, 4 Wörter gestrichen",
        "anmerkungen": ["plan/anmerkungen/bildung-2026-11-30.md"],
        "basis": repo.head.commit.hexsha, "veraltet": [], "veraltet_kapitel": [],
        "wortweise": False, "datei": "word.docx", "ziel": "main", "verschoben": 0}]

    repo.git.merge("--no-edit", branch)
    code, out, _ = lip(["status"], capsys)
    assert code == 0 and "Vorschläge" not in out
    assert json.loads(lip(["status", "--json"], capsys)[1])["vorschlaege"] == []


def test_the_same_file_twice_names_the_proposal_it_already_is(repo, capsys, tmp_path):
    """A second import of the very same file makes no second branch: lip names the one that
    holds it, and says how to import it anew. The commits carry the importer's address."""
    exported = export(capsys, "bildung")
    path = tmp_path / "zweimal.docx"
    path.write_bytes(word_edit(exported.read_bytes(), "nach wie vor ", delete=True,
                               author="Petra Word"))
    _, branch = imported(capsys, path)
    assert repo.git.log("-1", "--format=%an <%ae>", branch) == "Petra Word <fachberatung@example.org>"
    before = branches(repo)
    code, out, err = lip(["word-import", str(path)], capsys)
    assert code == 1 and out == ""
    assert err == (f"Fehler: zweimal.docx: diese Datei (gleicher Inhalt) wurde bereits "
                   f"übernommen: Branch {branch} und wartet dort; ansehen: lip redline main "
                   f"{branch}. Es wurde kein neuer Vorschlag angelegt. Soll sie dennoch neu "
                   f"übernommen werden, erst den Branch löschen (git branch -D {branch}), dann "
                   f"erneut lip word-import zweimal.docx\n")
    assert branches(repo) == before
    head = repo.head.commit.hexsha
    repo.git.merge("--no-edit", branch)
    code, _, err = lip(["word-import", str(path)], capsys)
    assert code == 1 and "ist schon in den Arbeitsstand übernommen" in err
    repo.git.reset("-q", "--hard", head)
    repo.git.branch("-D", branch)  # dropped: the file may come in again
    assert imported(capsys, path)[1] == branch


def test_the_redline_of_a_proposal_credits_its_reviewers_and_is_titled_as_a_proposal(
        repo, capsys):
    """`lip redline main vorschlag/…`: the tracked changes are the reviewers' (the authors of
    the branch's commits), each change its own reviewer's, not the Expert*innengruppe's nor
    all reviewers' as one author; the title names the proposal."""
    exported = export(capsys, "bildung")
    data = word_edit(exported.read_bytes(), "nach wie vor ", delete=True, author="Petra Word")
    data = word_edit(data, "Kita-Lots", insert="innen und Lots", author="Max Zwei")
    path = Path("build") / "zwei.docx"
    path.write_bytes(data)
    _, branch = imported(capsys, path)
    code, out, err = lip(["redline", "main", branch, "--format", "docx"], capsys)
    assert code == 0, err
    folder = Path("build/redline") / f"main..{branch.replace('/', '-')}"
    docx = zipfile.ZipFile(folder / "redline.docx")
    xml = docx.read("word/document.xml").decode()
    # each change is its reviewer's, not "Petra Word, Max Zwei" for all of them
    changes = {(tag, author, re.sub(r"<[^>]+>", "", inner)) for tag, author, inner in re.findall(
        r'<w:(ins|del) w:id="\d+" w:author="([^"]*)"[^>]*>(.*?)</w:\1>', xml)}
    assert changes == {("del", "Petra Word", "nach wie vor"),
                       ("del", "Max Zwei", "Kita-Lots*innen"),
                       ("ins", "Max Zwei", "Kita-Lotsinnen und Lots*innen")}, changes
    title = "Vorschlag aus Word (Petra Word u. a., 30.11.2026)"
    assert f"<dc:title>{title} gegenüber main</dc:title>" in docx.read("docProps/core.xml").decode()
    # the header: the title left and, right, not the title again but the proposal's branch
    headers = "".join(docx.read(n).decode() for n in docx.namelist()
                      if re.fullmatch(r"word/header\d*\.xml", n))
    assert f">Branch {branch}<" in headers and headers.count(title) == 1, headers
    summary = json.loads((folder / "zusammenfassung.json").read_text(encoding="utf-8"))
    by_id = {c["id"]: c["autor"] for c in summary["kapitel"]}
    assert summary["neu"] == title and by_id["bildung"] == "Petra Word, Max Zwei"
    assert by_id["soziales"] == "Expert*innengruppe Soziales"  # no change, no reviewer


def test_the_redline_of_a_proposal_is_dated_as_its_title_when_the_changes_were_made(
        repo, capsys):
    """Its title said 30.11.2026 (the edits in Word) while its 'Stand' and its Word changes
    carried the day of the import (the commit's date)."""
    exported = export(capsys, "bildung")
    path = Path("build") / "datum.docx"
    path.write_bytes(word_edit(exported.read_bytes(), "nach wie vor ", delete=True))
    _, branch = imported(capsys, path)
    code, _, err = lip(["redline", "main", branch, "--format", "md,docx"], capsys)
    assert code == 0, err
    folder = Path("build/redline") / f"main..{branch.replace('/', '-')}"
    assert "(neue Fassung, Stand 30.11.2026)" in (folder / "redline.md").read_text("utf-8")
    xml = zipfile.ZipFile(folder / "redline.docx").read("word/document.xml").decode()
    assert set(re.findall(r'w:date="([^"]*)"', xml)) == {W_DATE}


def test_the_commands_given_for_a_proposal_name_the_branch_it_goes_into(repo, capsys):
    """`lip word-import` and `lip status` said „lip redline main …“ in a repository whose
    branch is not main (a helper's worktree, an office's 'master'): a command that fails."""
    repo.git.branch("-m", "master")
    exported = export(capsys, "bildung")
    path = Path("build") / "ziel.docx"
    path.write_bytes(word_edit(exported.read_bytes(), "nach wie vor ", delete=True))
    out, branch = imported(capsys, path)
    assert f"Änderungsfassung ansehen: lip redline master {branch}" in out
    code, out, _ = lip(["status"], capsys)
    assert "Ansehen: lip redline master BRANCH" in out
    code, _, err = lip(["redline", "master", branch, "--format", "md"], capsys)
    assert code == 0, err


def test_a_proposal_of_comments_alone_says_so_in_the_status(repo, capsys, tmp_path):
    exported = export(capsys, "bildung")
    data = word_edit(exported.read_bytes(), "Schulplatzvergabe", comment="Wer finanziert das?",
                     author="Petra Word")
    path = tmp_path / "nur-kommentar.docx"
    path.write_bytes(data)
    _, branch = imported(capsys, path)
    out = lip(["status"], capsys)[1]
    assert f"  {branch}\n     nur Anmerkungen · Petra Word, 30.11.2026\n" in out


def test_word_move_arrives_as_deletion_and_insertion(repo, capsys, tmp_path):
    exported = export(capsys, "bildung")
    base = body_of(repo, "HEAD")
    data = word_edit(exported.read_bytes(), "in Niedersachsen ", move_to="bei den Kitas")
    path = tmp_path / "verschoben.docx"
    path.write_bytes(data)
    out, branch = imported(capsys, path)
    expected = base.replace("Sprachförderung vor der Einschulung in Niedersachsen bei den Kitas",
                            "Sprachförderung vor der Einschulung bei den Kitas in Niedersachsen", 1)
    assert body_of(repo, branch) == expected
    assert "Verschiebung" in out


# --- three-way: the chapter moved on since the export ----------------------------------------


def _commit_edit(repo: git.Repo, old: str, new: str) -> None:
    path = Path(repo.working_tree_dir) / "plan" / "11-bildung.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    repo.git.add("-A")
    repo.git.commit("-qm", "Bildung: weitergeschrieben")


def test_import_merges_with_what_moved_on(repo, capsys, tmp_path):
    exported = export(capsys, "bildung")
    base = body_of(repo, "HEAD")
    _commit_edit(repo, "Geschulte Kita-Lots*innen", "Geschulte und mehrsprachige Kita-Lots*innen")
    data = word_edit(exported.read_bytes(), "nach wie vor ", delete=True)
    path = tmp_path / "spaet.docx"
    path.write_bytes(data)
    out, branch = imported(capsys, path)
    assert "zusammengeführt" in out
    assert body_of(repo, branch) == base.replace("aber nach wie vor stark", "aber stark", 1) \
        .replace("Geschulte Kita-Lots*innen", "Geschulte und mehrsprachige Kita-Lots*innen", 1)


def test_edits_of_different_words_of_one_paragraph_merge(repo, capsys, tmp_path):
    """Beirat and RTGS edit the same export; the first import is merged, then the second
    comes back with an edit elsewhere in the same paragraph: both are kept, no conflict."""
    exported = export(capsys, "bildung")
    base = body_of(repo, "HEAD")
    _commit_edit(repo, "Schlüssel zu Teilhabe", "Schlüssel zur Teilhabe")
    data = word_edit(exported.read_bytes(), "nach wie vor ", delete=True)
    path = tmp_path / "rtgs.docx"
    path.write_bytes(data)
    out, branch = imported(capsys, path)
    assert "zusammengeführt" in out
    assert body_of(repo, branch) == base.replace("zu Teilhabe", "zur Teilhabe", 1) \
        .replace("aber nach wie vor stark", "aber stark", 1)


def test_a_conflict_shows_both_versions_in_whole_words():
    from pipeline.word.merge import merge3

    base = ("Zu Beginn der Wahlperiode, die auf die Kommunalwahl 2021 folgt, erhalten alle neu "
            "berufenen Mitglieder eine Einführungsreihe zu Geschäftsordnung und Antragsrecht.\n")
    result = merge3(base, base.replace("Einführungsreihe", "Einführungswoche"),
                    base.replace("Einführungsreihe", "Schulungsreihe"))
    (conflict,) = result.conflicts
    assert conflict.splitlines() == [
        "  Absatz „Zu Beginn der Wahlperiode, die auf die Kommunalwahl 2021 folgt, …“",
        "    jetzt im Kapitel: „…berufenen Mitglieder eine Einführungswoche zu "
        "Geschäftsordnung…“",
        "    in Word: „…berufenen Mitglieder eine Schulungsreihe zu Geschäftsordnung…“"]


@pytest.mark.parametrize("ours, theirs, merged", [
    ("Eine neue Maßnahme der Stadt.\n", "Eine Maßnahme der Stadt Hannover.\n",
     "Eine neue Maßnahme der Stadt Hannover.\n"),
    ("Eine große Maßnahme der Stadt.\n", "Eine kleine Maßnahme der Stadt.\n", None),
    ("Eine Aktion der Stadt.\n", "Eine Maßnahme des Landes.\n", None),  # neighbouring words
    ("Eine Maßnahme der Stadt.\n", "Eine Maßnahme der Stadt.\n\nNeu.\n",
     "Eine Maßnahme der Stadt.\n\nNeu.\n"),
])
def test_merge3_by_words_within_a_paragraph(ours, theirs, merged):
    from pipeline.word.merge import merge3

    result = merge3("Eine Maßnahme der Stadt.\n", ours, theirs)
    if merged is None:
        assert len(result.conflicts) == 1 and result.text == ours
    else:
        assert (result.text, result.conflicts) == (merged, [])


def test_overlapping_changes_are_reported_not_applied(repo, capsys, tmp_path):
    exported = export(capsys, "bildung")
    _commit_edit(repo, "aber nach wie vor stark", "aber immer noch stark")
    data = word_edit(exported.read_bytes(), "nach wie vor ", delete=True)
    path = tmp_path / "konflikt.docx"
    path.write_bytes(data)
    before = branches(repo)
    code, out, err = lip(["word-import", str(path)], capsys)
    assert code == 1
    assert "in beiden Fassungen geändert" in err
    assert "immer noch" in err and "jetzt im Kapitel" in err and "in Word" in err
    line = next(n for n, text in enumerate(Path("plan/11-bildung.md").read_text(
        encoding="utf-8").splitlines(), 1) if "immer noch stark" in text)
    assert f"\nplan/11-bildung.md:{line}:\n  Absatz „Bildung ist der wichtigste" in err
    assert err.endswith("\nSo geht es weiter: mit 'lip word-export bildung' den jetzigen Stand "
                        "ausgeben, die Änderungen aus konflikt.docx dort wiederholen (an diesen "
                        "Absätzen mit Blick auf die jetzige Fassung) und die neue Datei mit "
                        "'lip word-import' übernehmen\n")
    assert branches(repo) == before


def test_status_marks_a_proposal_main_has_overtaken_and_names_a_conflicted_chapter(
        repo, capsys, tmp_path):
    """A proposal whose paragraph changed on main since is not offered for `git merge` (it
    would conflict): status says why and what works. During the conflicted merge the
    chapter with git's markers stays in the list, named, and status exits 1."""
    exported = export(capsys, "bildung")
    path = tmp_path / "ueberholt.docx"
    path.write_bytes(word_edit(exported.read_bytes(), "nach wie vor ", delete=True))
    _, branch = imported(capsys, path)
    base = repo.head.commit.hexsha[:7]
    _commit_edit(repo, "aber nach wie vor stark", "aber immer noch stark")
    code, out, err = lip(["status"], capsys)
    assert code == 0, err
    tail = out.split("\nOffene Vorschläge aus Word (1, noch nicht übernommen)\n", 1)[1]
    assert tail.splitlines() == [
        f"  {branch}  veraltet",
        "     1 Bildung · 0 Wörter eingefügt, 3 Wörter gestrichen · Petra Word, 30.11.2026",
        "     seitdem auch im Arbeitsstand geändert, git merge ergäbe einen Konflikt:",
        "       1 Bildung: Absatz „Bildung ist der wichtigste Schlüssel zu Teilhabe. In "
        "Hannover hängen …“",
        f"     Ansehen: lip redline {base} {branch} · übernehmen: lip word-export 1, die "
        f"Änderungen in der neuen Datei wiederholen, lip word-import DATEI.docx · verwerfen: "
        f"git branch -D {branch}"]
    proposal = json.loads(lip(["status", "--json"], capsys)[1])["vorschlaege"][0]
    assert proposal["veraltet_kapitel"] == ["1"] and len(proposal["veraltet"]) == 1

    with pytest.raises(git.GitCommandError):
        repo.git.merge("--no-edit", branch)
    code, out, err = lip(["status"], capsys)
    assert code == 1
    assert re.match(r"Stand der Beratung: 13 Kapitel, .*, 1 nicht lesbar\n", out)
    assert re.search(r"\(\d von 6 angenommen, 1 nicht lesbar\)\n  \?  plan/11-bildung\.md +"
                     r"nicht lesbar\n +plan/11-bildung\.md:\d+: datei: Konfliktmarke '<<<<<<<' "
                     r"aus einem Git-Merge", out), out
    assert "plan/11-bildung.md:" in err and "Konfliktmarke" in err


def test_status_offers_a_new_import_where_only_git_would_conflict(repo, capsys, tmp_path):
    """Two returns of one export are imported, the first merged; the second changed other
    words of the same paragraph. git (by line) would conflict, lip (by word) does not:
    status names the paragraph and the way that works, the same file imported anew."""
    exported = export(capsys, "bildung")
    path = tmp_path / "RTGS (2).docx"
    path.write_bytes(word_edit(exported.read_bytes(), "nach wie vor ", delete=True))
    _, branch = imported(capsys, path)
    base = repo.head.commit.hexsha[:7]
    _commit_edit(repo, "Schlüssel zu Teilhabe", "Schlüssel zur Teilhabe")
    code, out, err = lip(["status"], capsys)
    assert code == 0, err
    tail = out.split("\nOffene Vorschläge aus Word (1, noch nicht übernommen)\n", 1)[1]
    assert tail.splitlines()[2:] == [
        "     seitdem auch im Arbeitsstand geändert, git merge ergäbe einen Konflikt; lip "
        "word-import führt diese Absätze wortweise zusammen:",
        "       1 Bildung: Absatz „Bildung ist der wichtigste Schlüssel zu Teilhabe. In "
        "Hannover hängen …“ (an verschiedenen Stellen geändert)",
        f"     Ansehen: lip redline {base} {branch} · übernehmen: git branch -D {branch}, dann "
        f"lip word-import 'RTGS (2).docx' (dieselbe Datei erneut) · verwerfen: git branch -D "
        f"{branch}"]
    repo.git.branch("-D", branch)
    _, branch = imported(capsys, path)
    repo.git.merge("--no-edit", branch)
    assert "Schlüssel zur Teilhabe. In Hannover hängen Schulerfolg und Bildungswege aber stark" \
        in body_of(repo, "HEAD")


# --- bad input: a German message, an exit code, nothing written -------------------------------


def _assert_nothing_written(repo: git.Repo, before: set[str], head: str) -> None:
    assert branches(repo) == before
    assert repo.head.commit.hexsha == head
    assert repo.git.status("--porcelain", "--", "plan") == ""


def _with_property(data: bytes, name: str, value: str) -> bytes:
    z = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for n in z.namelist():
            content = z.read(n)
            if n == "docProps/custom.xml":
                content = re.sub(rf'(name="{name}"><vt:lpwstr>)[^<]*'.encode(),
                                 rb"\g<1>" + value.encode(), content)
            dst.writestr(n, content)
    return out.getvalue()


def _with_doctype() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        dst.writestr("word/document.xml", '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa">'
                     '<!ENTITY b "&a;&a;&a;&a;">]><w:document>&b;</w:document>')
    return out.getvalue()


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        dst.writestr("word/document.xml", b"\0" * 50_000_000)
    return out.getvalue()


@pytest.mark.parametrize("name, content, message", [
    ("text.docx", b"nur Text, keine Word-Datei", "keine Word-Datei"),
    ("alt.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Word-Dokument (*.docx)"),
    ("entwurf.odt", b"PK\x03\x04", "Word 2007–365 (.docx)"),
    ("geschuetzt.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Kennwort"),
    ("kaputt.docx", b"PK\x03\x04" + b"\x00" * 200, "beschädigt"),
    ("bombe.docx", None, "ZIP-Bombe"),
    ("entitaeten.docx", "entities", "XML-Bombe"),
])
def test_files_that_are_not_a_docx(repo, capsys, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(_bomb() if content is None else _with_doctype() if content == "entities"
                     else content)
    before, head = branches(repo), repo.head.commit.hexsha
    code, out, err = lip(["word-import", str(path)], capsys)
    assert code == 1
    assert name in err and message in err
    assert "Traceback" not in err
    _assert_nothing_written(repo, before, head)


def test_a_docx_renamed_to_doc_is_read_by_its_content(repo, capsys, tmp_path):
    """Mail programs and reviewers rename files; a DOCX called .doc is still a DOCX."""
    exported = export(capsys, "bildung")
    path = tmp_path / "Rueckmeldung Beirat.doc"
    path.write_bytes(word_edit(exported.read_bytes(), "nach wie vor ", delete=True))
    out, branch = imported(capsys, path)
    assert "aber stark davon ab" in body_of(repo, branch)
    code, out, err = lip(["word-import", str(path)], capsys)  # the way on can be pasted
    assert code == 1 and "dann erneut lip word-import 'Rueckmeldung Beirat.doc'" in err


@pytest.mark.parametrize("prop, value, message", [
    ("lip-kapitel", "gibt-es-nicht", "Kapitel 'gibt-es-nicht'"),
    ("lip-plan", "0123456789abcdef0123456789abcdef01234567", "anderen Plan"),
    ("lip-text-sha256", "0" * 64, "nicht zu finden"),
])
def test_provenance_that_does_not_fit(repo, capsys, tmp_path, prop, value, message):
    exported = export(capsys, "bildung")
    data = word_edit(exported.read_bytes(), "nach wie vor ", delete=True)
    path = tmp_path / "fremd.docx"
    path.write_bytes(_with_property(data, prop, value))
    before, head = branches(repo), repo.head.commit.hexsha
    code, out, err = lip(["word-import", str(path)], capsys)
    assert code == 1 and message in err, err
    _assert_nothing_written(repo, before, head)


def test_a_draft_is_refused_while_the_chapter_has_uncommitted_changes(repo, capsys, tmp_path):
    path = tmp_path / "entwurf.docx"
    path.write_bytes(docx_of(DRAFT))
    chapter = Path("plan/11-bildung.md")
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOffen.\n", encoding="utf-8")
    before = branches(repo)
    code, out, err = lip(["word-import", "--neu", "bildung", str(path)], capsys)
    assert code == 1 and "nicht committete Änderungen" in err
    assert branches(repo) == before


def test_a_docx_without_provenance_points_to_neu(repo, capsys, tmp_path):
    from pipeline.render.tools import run_pandoc

    path = tmp_path / "frei.docx"
    run_pandoc(["-f", "markdown", "-t", "docx", "-o", str(path)], "Ein freier Text.\n")
    code, out, err = lip(["word-import", str(path)], capsys)
    assert code == 1 and "--neu" in err


def test_a_file_exported_from_another_chapter_is_no_draft_of_this_one(repo, capsys, tmp_path):
    """The export of Demokratie, given as a new draft of Bildung, would replace Bildung's text
    with Demokratie's: refused, pointing to the import without --neu; no branch."""
    exported = export(capsys, "demokratie")
    path = tmp_path / "Rueckmeldung.docx"
    path.write_bytes(word_edit(exported.read_bytes(), "Einführungsreihe", delete=True))
    before, head = branches(repo), repo.head.commit.hexsha
    code, out, err = lip(["word-import", "--neu", "bildung", str(path)], capsys)
    assert code == 1
    assert "Rueckmeldung.docx: stammt aus Kapitel 3 Demokratie" in err
    assert "nicht aus Kapitel 1 Bildung" in err
    assert "lip word-import Rueckmeldung.docx (ohne --neu)" in err
    _assert_nothing_written(repo, before, head)


def test_export_names_uncommitted_changes_it_leaves_out(repo, capsys):
    chapter = Path("plan/11-bildung.md")
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nEntwurf im Editor.\n",
                       encoding="utf-8")
    code, out, err = lip(["word-export", "bildung"], capsys)
    assert code == 0
    assert "plan/11-bildung.md hat nicht committete Änderungen" in err
    assert "\n1 Word-Datei aus Commit " in "\n" + err   # not „1 Word-Datei(en)“
    document = zipfile.ZipFile(out.strip()).read("word/document.xml").decode()
    assert "Entwurf im Editor" not in document


def test_a_redline_docx_is_not_taken_for_a_review(repo, capsys, tmp_path):
    _commit_edit(repo, "aber nach wie vor stark", "aber immer noch stark")
    code, out, err = lip(["redline", "HEAD~1", "HEAD", "--format", "docx"], capsys)
    docx = next(Path("build").rglob("redline.docx"))
    code, out, err = lip(["word-import", str(docx)], capsys)
    assert code == 1 and "Änderungsfassung" in err and "word-export" in err


def test_uncommitted_changes_to_the_chapter_refuse_the_import(repo, capsys, tmp_path):
    exported = export(capsys, "bildung")
    path = tmp_path / "r.docx"
    path.write_bytes(word_edit(exported.read_bytes(), "nach wie vor ", delete=True))
    chapter = Path("plan/11-bildung.md")
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nNoch nicht committet.\n",
                       encoding="utf-8")
    dirty = chapter.read_bytes()
    before = branches(repo)
    code, out, err = lip(["word-import", str(path)], capsys)
    assert code == 1 and "nicht committete Änderungen" in err
    assert chapter.read_bytes() == dirty and branches(repo) == before


def test_change_in_the_generated_chapter_heading_is_not_importable(repo, capsys, tmp_path):
    exported = export(capsys, "bildung")
    path = tmp_path / "r.docx"
    path.write_bytes(word_edit(exported.read_bytes(), "1 Bildung", insert=" und Schule"))
    before = branches(repo)
    code, out, err = lip(["word-import", str(path)], capsys)
    assert code == 1 and "von lip erzeugten Teil" in err and "Absatz" in err
    assert branches(repo) == before


def test_an_edit_in_the_header_is_named_not_passed_over(repo, capsys, tmp_path):
    """A reviewer who corrects the chapter's name in the page header (which lip writes) is
    told so, with what they changed; before, a file with only that edit 'had no changes' and
    beside other edits it was dropped without a word."""
    exported = export(capsys, "bildung")
    data = word_edit(exported.read_bytes(), "nach wie vor ", delete=True)
    z = zipfile.ZipFile(io.BytesIO(data))
    files = {n: z.read(n) for n in z.namelist()}
    header = files["word/header1.xml"].decode()
    run = '<w:t xml:space="preserve">LIP 2.0 · 1 Bildung</w:t></w:r>'
    assert run in header
    files["word/header1.xml"] = header.replace(run, run + (
        f'<w:ins w:id="950" w:author="Kai Kopf" w:date="{W_DATE}"><w:r><w:t xml:space='
        '"preserve"> und Schule</w:t></w:r></w:ins>')).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, content in files.items():
            dst.writestr(name, content)
    path = tmp_path / "kopf.docx"
    path.write_bytes(out.getvalue())
    before, head = branches(repo), repo.head.commit.hexsha
    code, _out, err = lip(["word-import", str(path)], capsys)
    assert code == 1
    assert "kopf.docx: 1 Änderung in Kopf- oder Fußzeile (eingefügt ‚und Schule‘)" in err
    assert "auch nicht die übernehmbaren Änderungen in Kapitel 1 Bildung" in err
    _assert_nothing_written(repo, before, head)


# --- the pure parts ----------------------------------------------------------------------------

BODY = split((ROOT / "plan" / "11-bildung.md").read_text(encoding="utf-8"), "x").body
SOURCES = [BODY[leaf.start:leaf.end] for leaf in leaves(BODY)]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SOURCES), st.data())
def test_apply_plain_reaches_any_edited_text(src, data):
    plain, _ = plain_map(src)
    i = data.draw(st.integers(0, len(plain)))
    j = data.draw(st.integers(i, min(len(plain), i + 30)))
    word = data.draw(st.text(alphabet="abcäöß *-.[]_", max_size=12))
    target = plain[:i] + word + plain[j:]
    assert plain_map(apply_plain(src, target))[0] == normal(target)


def test_untouched_text_stays_byte_for_byte():
    for src in SOURCES:
        assert apply_plain(src, plain_map(src)[0]) == src


def test_redline_docx_carries_the_provenance_of_its_new_side(repo, capsys):
    _commit_edit(repo, "aber nach wie vor stark", "aber immer noch stark")
    code, out, err = lip(["redline", "HEAD~1", "HEAD", "--format", "docx"], capsys)
    assert code == 0, err
    docx = next(Path("build").rglob("redline.docx"))
    props = custom_properties(docx.read_bytes())
    assert props["lip-commit"] == repo.head.commit.hexsha
    chapter = load_plan(Path("plan")).chapter("bildung")
    assert props["lip-text-sha256-bildung"] == chapter.text_sha256


# --- a free draft: lip word-import --neu -------------------------------------------------------

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _p(*runs: str, bold: bool = False) -> str:
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    body = []
    for run in runs:
        if run == "<br>":
            body.append("<w:r><w:br/></w:r>")
        elif run == "<tab>":
            body.append("<w:r><w:tab/></w:r>")
        else:
            body.append(f'<w:r>{rpr}<w:t xml:space="preserve">{run}</w:t></w:r>')
    return f"<w:p>{''.join(body)}</w:p>"


def _table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<w:tr><w:tc>{_p(a)}</w:tc><w:tc>{_p(b)}</w:tc></w:tr>" for a, b in rows)
    return f"<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>{cells}</w:tbl>"


def docx_of(body: str) -> bytes:
    """A minimal DOCX as Word packs it: content types, relationships, the document."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns='
                   '"http://schemas.openxmlformats.org/package/2006/content-types"><Default '
                   'Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                   'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.'
                   'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns='
                   '"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
                   'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document '
                   f'{W_NS}><w:body>{body}</w:body></w:document>')
    return out.getvalue()


DRAFT = "".join([
    _p("Bildung", bold=True),
    _p("Einleitender Text der Expert*innengruppe.", "<br>", "Mit weicher Zeile."),
    _p(),
    _p("1.1 Elementarbereich", bold=True),
    _p("Ausgangslage", bold=True),
    _p("In Kitas", "<tab>", "wächst Mehrsprachigkeit."),
    _p("Ziele", bold=True),
    _p("Ziel 1.1.1: Kinder besuchen früh eine Kita."),
    _p("Maßnahmen", bold=True),
    _p("Maßnahme 1.1.1: Sprachbildung verankern", bold=True),
    _p("Die Kitas benennen Fachkräfte."),
    _table([("Federführung", "Fachbereich Jugend und Familie"), ("Beteiligte", "Freie Träger"),
            ("Zielgruppe", "Kinder"), ("Zeitraum", "2021–2023"), ("Kennzahl", "Anteil der Kitas")]),
    _p(),
    _p("Maßnahme 1.1.2: Eltern begleiten", bold=True),
    _p("Lots*innen informieren Familien."),
    _p("Federführung: Fachbereich Jugend und Familie"),
    _p("Beteiligte: Beratungsstellen"),
    _p("Zielgruppe: Eltern"),
    _p("Zeitraum: 2021–2024"),
])


def test_a_free_draft_becomes_the_chapter_body_with_problems_by_paragraph(repo, capsys,
                                                                         tmp_path):
    path = tmp_path / "Entwurf EG Bildung.docx"
    path.write_bytes(docx_of(DRAFT))
    head = repo.head.commit.hexsha
    code, out, err = lip(["word-import", "--neu", "bildung", str(path)], capsys)
    assert code == 1, err  # the second Maßnahme lacks its Kennzahl
    branch = re.search(r"Branch (vorschlag/bildung-entwurf-\S+)", out).group(1)
    # Word counts every paragraph, also those in table cells (10 here); empty ones are skipped
    assert re.search(r"Absatz 21 \(‚Maßnahme 1\.1\.2: Eltern begleiten‘\): .*Kennzahl", err), err
    assert err.count("Problem:") == 1, err
    body = body_of(repo, branch)
    assert "## 1.1 Elementarbereich" in body
    assert "- **Ziel 1.1.1:** Kinder besuchen früh eine Kita." in body
    assert "#### Maßnahme 1.1.1: Sprachbildung verankern" in body
    assert "Federführung\n:   Fachbereich Jugend und Familie" in body
    assert "Zeitraum\n:   2021–2024" in body
    assert "Einleitender Text der Expert*innengruppe. Mit weicher Zeile." in body
    assert "In Kitas wächst Mehrsprachigkeit." in body
    # the front matter is kept, main is untouched
    old = repo.git.show("HEAD:plan/11-bildung.md")
    new = repo.git.show(f"{branch}:plan/11-bildung.md")
    assert new.split("\n---\n", 1)[0] == old.split("\n---\n", 1)[0]
    assert repo.head.commit.hexsha == head and repo.git.status("--porcelain", "--", "plan") == ""


def test_a_draft_rewritten_from_the_export_keeps_its_measure_fields(repo, capsys, tmp_path):
    """An Expert*innengruppe rewrites its chapter starting from `lip word-export`'s file: the
    Maßnahmen's fields (a definition list there) arrive, as does every other paragraph; they
    were dropped, with a 'Feld fehlt' for each."""
    exported = export(capsys, "bildung")
    path = tmp_path / "Neufassung Bildung.docx"
    path.write_bytes(word_edit(exported.read_bytes(), "nach wie vor ", delete=True))
    code, out, err = lip(["word-import", "--neu", "bildung", str(path)], capsys)
    assert code == 0, err
    branch = re.search(r"Branch (vorschlag/bildung-entwurf-\S+)", out).group(1)
    assert body_of(repo, branch) == body_of(repo, "HEAD").replace("aber nach wie vor stark",
                                                                    "aber stark", 1)
    before, head = branches(repo), repo.head.commit.hexsha  # the export as it was: nothing new
    code, out, err = lip(["word-import", "--neu", "bildung", str(exported)], capsys)
    assert code == 1 and "gleicht Wort für Wort dem committeten Text von Kapitel 1 Bildung" in err
    _assert_nothing_written(repo, before, head)


def test_draft_images_come_along_and_missing_alt_text_is_reported(repo, capsys, tmp_path):
    import struct
    import zlib

    from pipeline.render.tools import run_pandoc

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\0" + b"\xff\0\0" * 2 + b"\0" + b"\0\0\xff" * 2))
           + chunk(b"IEND", b""))
    (tmp_path / "karte.png").write_bytes(png)
    (tmp_path / "ohne.png").write_bytes(png + b"")
    path = tmp_path / "entwurf.docx"
    run_pandoc(["-f", "markdown", "-t", "docx", f"--resource-path={tmp_path}", "-o", str(path)],
               "## 1.1 Elementarbereich\n\nText.\n\n![Karte der Kitas](karte.png)\n\n"
               "![](ohne.png)\n")
    code, out, err = lip(["word-import", "--neu", "bildung", str(path)], capsys)
    branch = re.search(r"Branch (vorschlag/\S+)", out).group(1)
    files = repo.git.ls_tree("-r", "--name-only", branch, "plan/bilder").split()
    assert any(f.startswith("plan/bilder/bildung-") for f in files), files
    body = body_of(repo, branch)
    assert re.search(r"!\[Karte der Kitas\]\(bilder/bildung-[^)]+\)", body)
    assert "Bild ohne Alternativtext" in err and code == 1


# --- the whole plan as `lip build` writes it ----------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, bytes]:
    """One committed copy of the shipped plan and its `lip build` DOCX, shared by the tests
    that only add branches."""
    import os

    from pipeline.commands.build import build

    root = tmp_path_factory.mktemp("gebaut") / "repo"
    shutil.copytree(ROOT / "plan", root / "plan")
    init_repo(root)
    old = Path.cwd()
    os.chdir(root)
    try:
        data = build(Path("plan"), output=Path("build"), formats=["docx"]).outputs["docx"]
        return root, data.read_bytes()
    finally:
        os.chdir(old)


@pytest.fixture
def built_repo(built, monkeypatch) -> tuple[git.Repo, bytes]:
    root, data = built
    monkeypatch.chdir(root)
    monkeypatch.setenv("NO_COLOR", "1")
    return git.Repo(root), data


def test_a_reviewed_build_docx_becomes_one_proposal_over_all_chapters(built_repo, capsys,
                                                                       tmp_path):
    repo, data = built_repo
    bildung, soziales = body_of(repo, "HEAD"), body_of(repo, "HEAD", "plan/12-soziales.md")
    data = word_edit(data, "nach wie vor ", delete=True, author="Erika Muster")
    first_soziales = plain_map(soziales[leaves(soziales)[0].start:leaves(soziales)[0].end])[0]
    anchor_text = " ".join(first_soziales.split()[:4]) + " "
    data = word_edit(data, anchor_text, insert="ganz ", author="Hans Prüfer")
    path = tmp_path / "plan.docx"
    path.write_bytes(data)
    out, branch = imported(capsys, path)
    assert branch.startswith("vorschlag/plan-")
    # the chapters it changes, not all 13 the file holds
    assert f"Vorschlag für Kapitel 1 Bildung, 2 Soziales angelegt: Branch {branch}\n" in out
    assert body_of(repo, branch) == bildung.replace("aber nach wie vor stark", "aber stark", 1)
    assert body_of(repo, branch, "plan/12-soziales.md") != soziales
    log = repo.git.log("--format=%an", f"main..{branch}").splitlines()
    assert sorted(log) == ["Erika Muster", "Hans Prüfer"]


def test_changes_in_the_generated_annex_are_not_importable(built_repo, capsys, tmp_path):
    repo, data = built_repo
    data = word_edit(data, "Der Plan enthält ", insert="genau ")
    path = tmp_path / "anhang.docx"
    path.write_bytes(data)
    before = branches(repo)
    code, out, err = lip(["word-import", str(path)], capsys)
    assert code == 1, err
    assert "Anhang 1: Maßnahmenkatalog" in err and "erzeugt lip" in err
    assert branches(repo) == before


def test_a_change_in_the_antrag_names_lip_yaml_and_the_way_on(built_repo, capsys, tmp_path):
    """The Antrag of the whole-plan DOCX comes from plan/lip.yaml (drucksache.antrag): the
    message names that file, line and field, and says that the valid chapter edit was not
    taken either, and how to go on."""
    repo, data = built_repo
    data = word_edit(data, "vierten Quartal 2022", insert=" (spätestens 2023)",
                     author="Klaus Rat")
    data = word_edit(data, "nach wie vor ", delete=True, author="Erika Muster")
    path = tmp_path / "antrag.docx"
    path.write_bytes(data)
    before = branches(repo)
    code, out, err = lip(["word-import", str(path)], capsys)
    assert code == 1 and out == ""
    line = next(n for n, text in enumerate(Path("plan/lip.yaml").read_text(
        encoding="utf-8").splitlines(), 1) if "2. die Verwaltung zu beauftragen" in text)
    assert err == (
        "Fehler: antrag.docx: Absatz 15 (‚die Verwaltung zu beauftragen, dem Inter‘) im Teil "
        f"„Antrag“ der Drucksache: dieser Text steht in plan/lip.yaml:{line}, Feld "
        "drucksache.antrag; bitte dort ändern, aus Word ist er nicht übernehmbar\n"
        "Nichts wurde übernommen, auch nicht die übernehmbaren Änderungen in Kapitel 1 Bildung "
        "(1 Änderung): eine Datei wird ganz oder gar nicht übernommen. So geht es weiter: die "
        "oben genannten Änderungen in Word ablehnen (Überprüfen › Ablehnen; in LibreOffice "
        "Bearbeiten › Änderungen verfolgen › Verwalten), die Datei speichern und erneut "
        "übernehmen (lip word-import antrag.docx); den Text der Drucksache in plan/lip.yaml "
        "ändern und committen\n")
    assert branches(repo) == before


@pytest.mark.slow
def test_an_unchanged_file_changes_nothing_in_any_chapter(built_repo, capsys, tmp_path):
    """Whatever pandoc makes of the Markdown (captions above tables, footnotes apart, links,
    gender stars), reading it back without changes finds no change: for the whole plan."""
    repo, data = built_repo
    path = tmp_path / "unveraendert.docx"
    path.write_bytes(data)
    code, out, err = lip(["word-import", str(path)], capsys)
    assert code == 1 and "keine Änderungen" in err, err
    code, out, err = lip(["word-export", "--ausgabe", str(tmp_path / "word")], capsys)
    count = len(list((tmp_path / "word").glob("*.docx")))
    assert count > 1 and f"{count} Word-Dateien aus Commit " in err
    for exported in sorted((tmp_path / "word").glob("*.docx")):
        code, out, err = lip(["word-import", str(exported)], capsys)
        assert code == 1 and "keine Änderungen" in err, (exported, err)


def test_a_change_inside_a_footnote_is_reported(built_repo, capsys, tmp_path):
    repo, data = built_repo
    z = zipfile.ZipFile(io.BytesIO(data))
    assert "word/footnotes.xml" in z.namelist()
    files = {n: z.read(n) for n in z.namelist()}
    notes = files["word/footnotes.xml"].decode()
    notes = notes.replace("freiwillige, anonyme", 'freiwillige, <w:ins w:id="990" w:author="F" '
                          'w:date="2026-11-30T09:00:00Z"><w:r><w:t xml:space="preserve">ganz '
                          '</w:t></w:r></w:ins>anonyme', 1)
    files["word/footnotes.xml"] = notes.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for n, content in files.items():
            dst.writestr(n, content)
    path = tmp_path / "fussnote.docx"
    path.write_bytes(out.getvalue())
    code, out_text, err = lip(["word-import", str(path)], capsys)
    assert code == 1 and "Fußnote" in err, err


# --- property: random edit scripts written as Word writes them ---------------------------------


def _plain_paragraphs(body: str) -> list[tuple[int, int]]:
    """Leaves whose Markdown is plain text (one run in the DOCX): (start, end) in the body."""
    out = []
    for leaf in leaves(body):
        text = body[leaf.start:leaf.end]
        if leaf.kind == "para" and len(text.split()) > 8 and not re.search(r"[*_\[\]\\`<>&\n]", text):
            out.append((leaf.start, leaf.end))
    return out


def _script_docx(data: bytes, paragraph: str, ops: dict[int, tuple[str, str]]) -> bytes:
    """The run holding `paragraph` rewritten with a w:del of word i or a w:ins before it."""
    z = zipfile.ZipFile(io.BytesIO(data))
    files = {n: z.read(n) for n in z.namelist()}
    xml = files["word/document.xml"].decode()
    run = f'<w:r><w:t xml:space="preserve">{paragraph}</w:t></w:r>'
    assert xml.count(run) == 1
    words = paragraph.split(" ")
    pieces = []
    for i, word in enumerate(words):
        text = word + (" " if i < len(words) - 1 else "")
        kind, author = ops.get(i, ("", ""))
        attrs = f'w:id="{700 + i}" w:author="{author}" w:date="2026-11-2{i % 9}T10:00:00Z"'
        if kind == "del":
            pieces.append(f'<w:del {attrs}><w:r w:rsidDel="00C0FFEE"><w:delText xml:space='
                          f'"preserve">{text}</w:delText></w:r></w:del>')
            continue
        if kind == "ins":
            pieces.append(f'<w:ins {attrs}><w:r w:rsidR="00C0FFEE"><w:t xml:space="preserve">'
                          f'neu{i} </w:t></w:r></w:ins>')
        pieces.append(_run(text))
    files["word/document.xml"] = xml.replace(run, "".join(pieces)).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, content in files.items():
            dst.writestr(name, content)
    return out.getvalue()


def test_random_edit_scripts_arrive_exactly(repo, capsys, tmp_path):
    exported = export(capsys, "bildung").read_bytes()
    base = body_of(repo, "HEAD")
    candidates = _plain_paragraphs(base)
    assert len(candidates) > 5

    @settings(max_examples=12, deadline=None)
    @given(st.data())
    def check(data):
        start, end = data.draw(st.sampled_from(candidates))
        words = base[start:end].split(" ")
        picked = data.draw(st.lists(st.integers(0, len(words) - 1), min_size=1, max_size=6,
                                    unique=True))
        ops = {i: (data.draw(st.sampled_from(["del", "ins"])),
                   data.draw(st.sampled_from(["Erika Muster", "Hans Prüfer"]))) for i in picked}
        path = tmp_path / "zufall.docx"
        path.write_bytes(_script_docx(exported, base[start:end], ops))
        expected_words = []
        for i, word in enumerate(words):
            kind = ops.get(i, ("", ""))[0]
            if kind == "ins":
                expected_words.append(f"neu{i}")
            if kind != "del":
                expected_words.append(word)
        expected = base[:start] + " ".join(expected_words) + base[end:]
        out, branch = imported(capsys, path)
        assert body_of(repo, branch) == expected
        authors = set(repo.git.log("--format=%an", f"main..{branch}").splitlines())
        assert authors == {author for _, author in ops.values()}

    check()


def test_the_proposal_is_checked_and_its_problems_shown(repo, capsys, tmp_path):
    exported = export(capsys, "bildung")
    data = word_edit(exported.read_bytes(), "Maßnahme 1.1.2:", delete=True, insert="Maßnahme 1.1.1:")
    path = tmp_path / "doppelt.docx"
    path.write_bytes(data)
    code, out, err = lip(["word-import", str(path)], capsys)
    assert code == 0, err
    assert "lip check auf dem Vorschlag: plan/11-bildung.md:" in out and "1.1.1" in out


def test_untracked_deletion_stays_deleted_in_every_authors_commit_and_is_named(repo, capsys,
                                                                              tmp_path):
    exported = export(capsys, "bildung")
    base = body_of(repo, "HEAD")
    z = zipfile.ZipFile(exported)
    files = {n: z.read(n) for n in z.namelist()}
    xml = files["word/document.xml"].decode()
    gone = "Kinder aus zugewanderten Familien besuchen eine Kita im Durchschnitt"
    m = re.search(r"<w:p>(?:(?!<w:p>).)*?" + gone + r".*?</w:p>", xml, re.S)
    files["word/document.xml"] = (xml[:m.start()] + xml[m.end():]).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for n, content in files.items():
            dst.writestr(n, content)
    data = word_edit(out.getvalue(), "nach wie vor ", delete=True, author="Erika Muster")
    path = tmp_path / "ohne.docx"
    path.write_bytes(data)
    text, branch = imported(capsys, path)
    assert "ohne Änderungsverfolgung gelöscht" in text
    # counted as what it is, not as „unbekannt: 0 Änderungen“
    assert "  Änderungen ohne Nachverfolgung: als Ganzes übernommen\n" in text
    assert "0 Änderungen" not in text and "  Erika Muster: 1 Änderung" in text
    start = base.index(gone)
    expected = base[:start] + base[base.index("\n\n", start) + 2:]
    assert body_of(repo, branch) == expected.replace("aber nach wie vor stark", "aber stark", 1)


def test_a_draft_with_word_heading_styles_and_lists_passes_the_check(repo, capsys, tmp_path):
    from pipeline.render.tools import run_pandoc

    draft = ("# Bildung\n\n## 1.1 Elementarbereich\n\n### Ausgangslage\n\nText.\n\n### Ziele\n\n"
             "- Ziel 1.1.1: Kinder besuchen früh eine Kita.\n- Ziel 1.1.2: Alle Kitas fördern "
             "Sprache.\n\n### Maßnahmen\n\n#### Maßnahme 1.1.1: Sprachbildung verankern\n\n"
             "Die Kitas benennen Fachkräfte.\n\n| Feld | Angabe |\n|---|---|\n"
             "| Federführung | Fachbereich Jugend und Familie |\n| Beteiligte | Freie Träger |\n"
             "| Zielgruppe | Kinder |\n| Zeitraum | 2021–2023 |\n| Kennzahl | Anteil der Kitas |\n")
    path = tmp_path / "formatiert.docx"
    run_pandoc(["-f", "markdown", "-t", "docx", "-o", str(path)], draft)
    out, branch = imported(capsys, path, "--neu", "bildung")
    body = body_of(repo, branch)
    assert body.startswith("\n## 1.1 Elementarbereich\n\n### Ausgangslage\n\nText.\n\n### Ziele\n\n"
                           "- **Ziel 1.1.1:** Kinder besuchen früh eine Kita.\n"
                           "- **Ziel 1.1.2:** Alle Kitas fördern Sprache.\n"), body
    assert "#### Maßnahme 1.1.1: Sprachbildung verankern\n\nDie Kitas benennen Fachkräfte.\n\n" \
           "Federführung\n:   Fachbereich Jugend und Familie\n\nBeteiligte\n:   Freie Träger" in body


# --- text that looks like Markdown comes back as it was written --------------------------------

LOOKALIKE = ("Richtwert: Gruppen < 12 Kinder, Quote > 80 % [vgl. Abschnitt 1.2], Faktor 2 * 3, "
             "Ordner C:\\Daten.")


def test_characters_that_look_like_markdown_come_back_without_backslashes(repo, capsys,
                                                                           tmp_path):
    """`<`, `>`, `[`, `]`, `*` and `\\` written as text came back as `\\<`, `\\[`, `\\\\`: an
    unchanged file made a proposal, and an edit beside them escaped what it did not touch."""
    _commit_edit(repo, "in stadtteilbezogenen Arbeitskreisen aus.",
                 f"in stadtteilbezogenen Arbeitskreisen aus. {LOOKALIKE}")
    exported = export(capsys, "bildung")
    base = body_of(repo, "HEAD")
    code, _, err = lip(["word-import", str(exported)], capsys)
    assert code == 1 and "keine Änderungen" in err  # unchanged: nothing to propose
    data = word_edit(exported.read_bytes(), "vgl.", delete=True, insert="siehe")
    data = word_edit(data, " 3, Ordner", delete=True, insert=" 4, Ordner", author="Max Zwei")
    path = tmp_path / "zeichen.docx"
    path.write_bytes(data)
    _, branch = imported(capsys, path)
    assert body_of(repo, branch) == base.replace("[vgl. Abschnitt", "[siehe Abschnitt", 1) \
        .replace("2 * 3, Ordner", "2 * 4, Ordner", 1)


@pytest.mark.parametrize("text", [
    "Gruppen < 12 und <5, Quote > 80 % [vgl. Abschnitt 1.2] a * b",
    "Ordner C:\\Daten und ein \\* Stern", "Lehrer*innen und Schüler_innen",
    "[Text](link) und [Wort]{.klasse} und <http://x.de> und <b>fett</b>",
    "> kein Zitat", "# keine Überschrift", "*betont* und **fett** und _kursiv_",
    "`Code` und [^1] und ![Bild](x.png)", "Satz [a [b] c](d) e",
])
def test_escape_reads_back_as_the_text_and_plain_map_as_pandoc_reads(text):
    """What `escape` writes, pandoc reads as the text; what `plain_map` says a Markdown
    reads as, pandoc reads it as (the round trip compares the two)."""
    from pipeline.render.reader import PLAN_READER
    from pipeline.render.tools import run_pandoc
    from pipeline.word.source import escape, escape_all

    def read(markdown: str) -> str:
        out = run_pandoc(["-f", PLAN_READER, "-t", "plain", "--wrap=none"], markdown)
        return normal(out if isinstance(out, str) else out.decode())

    assert read(escape(text)) == normal(text)
    assert read(escape_all(text)) == normal(text)
    # (a leaf's text, without a block's mark; Word shows notes and pictures apart)
    if not text.startswith((">", "#")) and "[^1]" not in text and "![" not in text:
        assert plain_map(text)[0] == read(text)
    assert escape("Gruppen < 12 [vgl. 1.2], 2 * 3, C:\\Daten") == \
        "Gruppen < 12 [vgl. 1.2], 2 * 3, C:\\Daten"


# --- a paragraph typed below a Maßnahme's field --------------------------------------------------


def word_paragraph_after(data: bytes, value: str, text: str, author: str = "") -> bytes:
    """A paragraph typed after the field value `value` (Enter at its end), as LibreOffice and
    Word write it: in the value's style ('Definition'), with the new paragraph mark and the
    text tracked as `author`'s (untracked without one)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    files = {n: z.read(n) for n in z.namelist()}
    xml = files["word/document.xml"].decode()
    style = '<w:pPr><w:pStyle w:val="Definition" />'
    paragraph = f'<w:p>{style}</w:pPr>{_run(value)}</w:p>'
    assert paragraph in xml, value
    attrs = f'w:author="{author}" w:date="{W_DATE}"'
    mark = f'<w:rPr><w:ins w:id="910" {attrs} /></w:rPr>' if author else ""
    typed = f'<w:ins w:id="911" {attrs}>{_run(text)}</w:ins>' if author else _run(text)
    files["word/document.xml"] = xml.replace(
        paragraph, f'<w:p>{style}{mark}</w:pPr>{_run(value)}</w:p><w:p>{style}</w:pPr>{typed}'
                   f'</w:p>', 1).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, content in files.items():
            dst.writestr(name, content)
    return out.getvalue()


def test_a_paragraph_typed_below_a_field_stays_a_paragraph_where_it_was_typed(repo, capsys,
                                                                               tmp_path):
    """Typed after „Federführung: Fachbereich Jugend und Familie“ it took the value's style in
    Word and came back as a second value of the field (`:   …`); it is a paragraph of the
    Maßnahme's text, tracked or not, and the Maßnahme keeps its fields."""
    exported = export(capsys, "bildung").read_bytes()
    base = body_of(repo, "HEAD")
    value = "Fachbereich Jugend und Familie"
    kennzahl = "Anteil der Kitas mit qualifizierter Fachkraft für Sprachbildung"
    data = word_paragraph_after(exported, value, "Die Fachbereiche stimmen sich ab.",
                                author="Erika Muster")
    data = word_paragraph_after(data, kennzahl, "Gezählt wird jährlich.")
    path = tmp_path / "absatz.docx"
    path.write_bytes(data)
    out, branch = imported(capsys, path)
    expected = base.replace(f":   {value}\n", f":   {value}\n\nDie Fachbereiche stimmen sich "
                            f"ab.\n", 1).replace(f":   {kennzahl}\n", f":   {kennzahl}\n\n"
                                                 f"Gezählt wird jährlich.\n", 1)
    assert body_of(repo, branch) == expected
    assert "lip check auf dem Vorschlag" not in out
    from pipeline.plan.body import parse_body

    fields = next(m for m in parse_body(body_of(repo, branch)).measures if m.id == "1.1.1").fields
    assert fields["Federführung"] == value and fields["Kennzahl"] == kennzahl


def test_each_change_of_a_redline_is_traced_to_the_step_that_made_it():
    """The redline between the first and last text of a proposal's steps: a deleted block,
    a moved one, a deletion beside an insertion, each named with its own reviewer."""
    from pipeline.redline.authors import Step, attribute

    base = ("Der wichtigste Schlüssel. Lehrkräfte und Unterricht, die.\n\nKinder besuchen "
            "eine Kita.\n\nFederführung\n:   Fachbereich\n")
    erika = base.replace("wichtigste", "zentrale") + "\nEin neuer Absatz hier.\n"
    hans = erika.replace(" und Unterricht", "").replace("Kinder besuchen eine Kita.\n\n", "")
    md = ("Der [wichtigste]{.del}[zentrale]{.ins} Schlüssel. Lehrkräfte[&#32;und Unterricht]"
          "{.del}, die.\n\n::: del\nKinder besuchen eine Kita.\n:::\n\nFederführung\n:   "
          "Fachbereich\n\n::: {#verschoben-1 .moved .ins}\nEin neuer Absatz hier.\n:::\n")
    e, h = 'autor="Erika Muster" datum="2026-11-30T09:15:00Z"', 'autor="Hans Prüfer"'
    assert attribute(md, [Step(base, ""), Step(erika, "Erika Muster", "2026-11-30T09:15:00Z"),
                          Step(hans, "Hans Prüfer")]) == (
        f"Der [wichtigste]{{.del {e}}}[zentrale]{{.ins {e}}} Schlüssel. Lehrkräfte[&#32;und "
        f"Unterricht]{{.del {h}}}, die.\n\n::: {{.del {h}}}\nKinder besuchen eine Kita.\n:::"
        f"\n\nFederführung\n:   Fachbereich\n\n::: {{#verschoben-1 .moved .ins {e}}}\nEin neuer "
        f"Absatz hier.\n:::\n")
    # a step that is no one's (main moved on since the proposal left it): its changes keep
    # the redline's author
    assert attribute("a [b]{.del} c [d]{.ins}", [Step("a b c", ""), Step("a c", ""),
                                                   Step("a c d", "Hans Prüfer")]) == \
        'a [b]{.del} c [d]{.ins autor="Hans Prüfer"}'


def test_a_draft_keeps_text_that_looks_like_markdown_as_typed():
    """A draft's words were escaped one by one (`Gruppen \\< 12 \\[vgl. 1.2\\], 2 \\* 3`)."""
    from pipeline.word.draft import convert

    def words(text: str) -> list[dict]:
        out: list[dict] = []
        for n, word in enumerate(text.split(" ")):
            out += ([{"t": "Space"}] if n else []) + [{"t": "Str", "c": word}]
        return out

    inlines = words("Gruppen < 12 [vgl. 1.2], 2 * 3 und") + [{"t": "Space"}] + \
        [{"t": "Strong", "c": words("*fett")}] + words(" [a](b)")
    draft = convert({"blocks": [{"t": "Para", "c": inlines}]})
    assert draft.body == "\nGruppen < 12 [vgl. 1.2], 2 * 3 und **\\*fett** \\[a](b)\n"


def test_what_main_changed_since_a_proposal_is_no_reviewers_in_its_redline(repo, capsys):
    """Walk: main moved on after the import („zu“ → „zur“); `lip redline main vorschlag/…`
    undoes that, and Word showed it as deleted by „Petra Word, Max Zwei“, all reviewers as
    one, though neither touched it. It is the chapter's author's, as in any redline."""
    exported = export(capsys, "bildung")
    data = word_edit(exported.read_bytes(), "nach wie vor ", delete=True, author="Petra Word")
    data = word_edit(data, "Kita-Lots", insert="innen und Lots", author="Max Zwei")
    path = Path("build") / "veraltet.docx"
    path.write_bytes(data)
    _, branch = imported(capsys, path)
    _commit_edit(repo, "Schlüssel zu Teilhabe", "Schlüssel zur Teilhabe")
    code, out, err = lip(["redline", "main", branch, "--format", "docx"], capsys)
    assert code == 0, err
    folder = Path("build/redline") / f"main..{branch.replace('/', '-')}"
    xml = zipfile.ZipFile(folder / "redline.docx").read("word/document.xml").decode()
    changes = {(tag, author, re.sub(r"<[^>]+>", "", inner)) for tag, author, inner in re.findall(
        r'<w:(ins|del) w:id="\d+" w:author="([^"]*)"[^>]*>(.*?)</w:\1>', xml)}
    assert {a for _, a, _ in changes} == {"Petra Word", "Max Zwei",
                                          "Expert*innengruppe Bildung"}, changes
    assert {(t, a) for t, a, w in changes if "zu" in w.split()} == {
        ("ins", "Expert*innengruppe Bildung")}, changes


@pytest.mark.parametrize("text", [
    "1. Januar 2021: Start der Lots*innen.", "2021. Das Jahr der Umsetzung", "(1) Absatz eins",
    "a) erstens", "iv. viertens", "II. Teil", "- kein Strich einer Liste", "+ plus", "#. x",
    "(@) Beispiel", "12) Punkte 6 und 7", "A.  Müller",
])
def test_a_paragraph_that_opens_like_a_list_item_stays_a_paragraph(text):
    """Walk: „1. Januar 2021: …“ typed in Word as a new paragraph came back as `1. Januar …`,
    which pandoc reads as a numbered list; a list marker at a block's start gets a backslash,
    and nothing else does („A. Müller“ with one space is no list)."""
    import json

    from pipeline.render.reader import PLAN_READER
    from pipeline.render.tools import run_pandoc
    from pipeline.word import source
    from pipeline.word.source import escape, escape_all

    def blocks(markdown: str) -> list:
        return json.loads(run_pandoc(["-f", PLAN_READER, "-t", "json"], markdown))["blocks"]

    assert [b["t"] for b in blocks(text)] != ["Para"]  # as typed, pandoc reads a list
    for markdown in (escape(text), escape_all(text)):
        [para] = blocks(markdown)
        assert para["t"] == "Para" and normal(source.ast_text(para)) == normal(text), markdown
        assert plain_map(markdown)[0] == normal(text)
    assert escape("A. Müller sagt") == "A. Müller sagt"
    assert escape("1. Januar", before="am ") == "1. Januar"  # inside a paragraph: text
