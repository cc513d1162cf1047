"""Edit a DOCX in LibreOffice with change tracking on, as a named reviewer would, and save it.

Run with the system python (it needs LibreOffice's `uno` module):
    /usr/bin/python3 tests/support/lo_edit_docx.py IN.docx OUT.docx SCRIPT.json

SCRIPT.json is a list of steps, each one of
    {"author": "Name", "op": "replace", "find": "alt", "text": "neu"}
    {"author": "Name", "op": "insert_after", "find": "Anker", "text": " eingefügt"}
    {"author": "Name", "op": "delete", "find": "weg damit"}
    {"author": "Name", "op": "paragraph_after", "find": "Absatzende", "text": "Neuer Absatz"}
    {"author": "Name", "op": "join_next", "find": "Absatz"}   (joins it with the next one)
    {"op": "accept_all"} / {"op": "reject_all"}
`find` is the first occurrence of the text in the document (a plain search). The author is
LibreOffice's user name while the step runs, so the tracked change carries it. (Comments are
not scripted: LibreOffice 7.4 headless aborts when a document with a new comment is saved;
tests add comments as OOXML.)
"""

import json
import os
import shutil
import subprocess
import sys
import time

import uno  # noqa: I001  (LibreOffice's module, only for the system python)
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def set_author(smgr, ctx, name):
    provider = smgr.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider",
                                              ctx)
    access = provider.createInstanceWithArguments(
        "com.sun.star.configuration.ConfigurationUpdateAccess",
        (prop("nodepath", "/org.openoffice.UserProfile/Data"),))
    given, _, family = name.partition(" ")
    access.setPropertyValue("givenname", given)
    access.setPropertyValue("sn", family)
    access.commitChanges()


def find(doc, text):
    search = doc.createSearchDescriptor()
    search.SearchString = text
    search.SearchCaseSensitive = True
    found = doc.findFirst(search)
    if found is None:
        raise SystemExit(f"nicht gefunden: {text!r}")
    return found


def main(src, out, script):
    steps = json.loads(open(script, encoding="utf-8").read())
    pipe = f"lipedit{os.getpid()}"
    profile = f"/tmp/lo-profile-{pipe}"
    proc = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore",
                             f"-env:UserInstallation=file://{profile}",
                             f"--accept=pipe,name={pipe};urp;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    desktop = None
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        ctx = None
        for _ in range(240):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.25)
        smgr = ctx.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(src)),
                                           "_blank", 0, (prop("Hidden", True),))
        dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
        frame = doc.getCurrentController().getFrame()
        for step in steps:
            op = step["op"]
            if op in ("accept_all", "reject_all"):
                command = ".uno:AcceptAllTrackedChanges" if op == "accept_all" \
                    else ".uno:RejectAllTrackedChanges"
                dispatcher.executeDispatch(frame, command, "", 0, ())
                continue
            set_author(smgr, ctx, step["author"])
            doc.setPropertyValue("RecordChanges", True)
            found = find(doc, step["find"])
            if op == "replace":
                found.setString(step["text"])
            elif op == "delete":
                found.setString("")
            elif op == "insert_after":
                cursor = found.getText().createTextCursorByRange(found.getEnd())
                cursor.getText().insertString(cursor, step["text"], False)
            elif op == "paragraph_after":
                from com.sun.star.text.ControlCharacter import PARAGRAPH_BREAK
                cursor = found.getText().createTextCursorByRange(found.getEnd())
                cursor.gotoEndOfParagraph(False)
                cursor.getText().insertControlCharacter(cursor, PARAGRAPH_BREAK, False)
                cursor.getText().insertString(cursor, step["text"], False)
            elif op == "join_next":
                cursor = found.getText().createTextCursorByRange(found.getEnd())
                cursor.gotoEndOfParagraph(False)
                cursor.goRight(1, True)
                cursor.setString("")
            else:
                raise SystemExit(f"unbekannter Schritt {op}")
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(out)),
                       (prop("FilterName", "MS Word 2007 XML"),))
        doc.close(True)
    finally:
        if desktop is not None:
            try:
                desktop.terminate()
            except Exception:
                pass
        proc.wait(timeout=60)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
