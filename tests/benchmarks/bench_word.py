"""Word round trip (issue 17): export of the whole shipped plan, and the import of a reviewed
chapter with 200 tracked changes by 3 authors and 30 comments (OOXML as Word writes it)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from run import Row, median_time

ROOT = Path(__file__).resolve().parents[2]
AUTHORS = ("Erika Muster", "Hans Prüfer", "Ute Beirat")
_RUN = re.compile(r'<w:r><w:t xml:space="preserve">([^<]{40,})</w:t></w:r>')


def reviewed(data: bytes, changes: int = 200, comments: int = 30) -> bytes:
    """`data` with `changes` tracked changes (deletions and insertions, rotating authors) and
    `comments` comments on plain runs of body text."""
    z = zipfile.ZipFile(io.BytesIO(data))
    files = {n: z.read(n) for n in z.namelist()}
    xml = files["word/document.xml"].decode()
    made = [0, 0]

    def edit(m: re.Match) -> str:
        words = m.group(1).split(" ")
        out = []
        for k, word in enumerate(words):
            sep = " " if k < len(words) - 1 else ""
            n = made[0]
            if k % 6 == 3 and n < changes:
                who = AUTHORS[n % 3]
                attrs = f'w:author="{who}" w:date="2026-11-{10 + n % 3}T09:00:00Z"'
                if n % 2:
                    out.append(f'<w:del w:id="{5000 + n}" {attrs}><w:r><w:delText xml:space='
                               f'"preserve">{word}{sep}</w:delText></w:r></w:del>')
                else:
                    out.append(f'<w:r><w:t xml:space="preserve">{word}{sep}</w:t></w:r>'
                               f'<w:ins w:id="{5000 + n}" {attrs}><w:r><w:t xml:space="preserve">'
                               f'neu{n} </w:t></w:r></w:ins>')
                made[0] += 1
            elif k % 9 == 5 and made[1] < comments:
                c = made[1]
                out.append(f'<w:commentRangeStart w:id="{c}"/><w:r><w:t xml:space="preserve">'
                           f'{word}{sep}</w:t></w:r><w:commentRangeEnd w:id="{c}"/><w:r>'
                           f'<w:commentReference w:id="{c}"/></w:r>')
                made[1] += 1
            else:
                out.append(f'<w:r><w:t xml:space="preserve">{word}{sep}</w:t></w:r>')
        return "".join(out)

    xml = _RUN.sub(edit, xml)
    files["word/document.xml"] = xml.encode()
    notes = "".join(f'<w:comment w:id="{c}" w:author="{AUTHORS[c % 3]}" w:date="2026-11-12T10:'
                    f'00:00Z"><w:p><w:r><w:t>Anmerkung {c}</w:t></w:r></w:p></w:comment>'
                    for c in range(made[1]))
    files["word/comments.xml"] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                                  '<w:comments xmlns:w="http://schemas.openxmlformats.org/'
                                  f'wordprocessingml/2006/main">{notes}</w:comments>').encode()
    files["word/_rels/document.xml.rels"] = files["word/_rels/document.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdK" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/comments" Target="comments.xml"/></Relationships>')
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/word/comments.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, content in files.items():
            dst.writestr(name, content)
    assert made == [changes, comments], made
    return out.getvalue()


def run() -> list[Row]:
    from pipeline.commands import word
    from pipeline.render.tools import run_pandoc

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        shutil.copytree(ROOT / "plan", root / "plan")
        env = {**os.environ, "GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@x",
               "GIT_COMMITTER_NAME": "B", "GIT_COMMITTER_EMAIL": "b@x"}
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        subprocess.run(["git", "commit", "-qm", "Plan"], cwd=root, check=True, env=env)
        old = Path.cwd()
        os.chdir(root)
        try:
            plan = root / "plan"
            out = root / "build" / "word"
            export = median_time(lambda: word.export(plan, [], output=out))
            text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(plan.glob("*.md")))
            floor = median_time(lambda: run_pandoc(["-f", "markdown", "-t", "docx", "-o",
                                                    str(root / "floor.docx")], text))
            source = next(out.glob("11-bildung-*.docx")).read_bytes()
            path = root / "rueckmeldung.docx"
            path.write_bytes(reviewed(source))
            imported = median_time(lambda: word.import_reviewed(plan, path))
        finally:
            os.chdir(old)
    return [
        Row("Word", "word-export, ganzer Plan (13 Kapitel)", f"{export:.2f} s", "≤ 2 s",
            export <= 2.0),
        Row("Word", "  Untergrenze: ein pandoc-Lauf Markdown → DOCX, ganzer Plan",
            f"{floor:.2f} s", "–"),
        Row("Word", "word-import, 200 Änderungen von 3 Autor*innen, 30 Kommentare",
            f"{imported:.2f} s", "≤ 5 s", imported <= 5.0),
    ]
