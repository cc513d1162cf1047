"""Edit a DOCX in LibreOffice with change tracking on, as a named reviewer would, and save it.

Run with the system python (it needs LibreOffice's `uno` module):
    /usr/bin/python3 tests/support/lo_edit_docx.py IN.docx OUT.docx SCRIPT.json

SCRIPT.json is a list of steps, each one of
    {"author": "Name", "op": "replace", "find": "alt", "text": "neu"}
    {"author": "Name", "op": "insert_after", "find": "Anker", "text": " eingefügt"}
    {"author": "Name", "op": "delete", "find": "weg damit"}
    {"author": "Name", "op": "paragraph_after", "find": "Absatzende", "text": "Neuer Absatz"}
    {"author": "Name", "op": "join_next", "find": "Absatz"}   (joins it with the next one)
    {"author": "Name", "op": "delete_paragraph", "find": "Absatz"}   (the whole paragraph)
    {"author": "Name", "op": "bold", "find": "Wort"}   (a change of formatting only)
    {"op": "accept_all"} / {"op": "reject_all"}
A step with "track": false is made with change tracking off (as a reviewer who forgot to
switch it on).
`find` is the first occurrence of the text in the document (a plain search). The author is
LibreOffice's user name while the step runs, so the tracked change carries it. (Comments are
not scripted: LibreOffice 7.4 headless aborts when a document with a new comment is saved;
tests add comments as OOXML.)
"""

import json
import os
import sys

import uno  # noqa: I001  (LibreOffice's module, only for the system python)
from lo_session import opened, prop


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
    with opened(src, "lipedit") as (smgr, ctx, doc, dispatcher, frame):
        for step in steps:
            op = step["op"]
            if op in ("accept_all", "reject_all"):
                command = ".uno:AcceptAllTrackedChanges" if op == "accept_all" \
                    else ".uno:RejectAllTrackedChanges"
                dispatcher.executeDispatch(frame, command, "", 0, ())
                continue
            set_author(smgr, ctx, step["author"])
            doc.setPropertyValue("RecordChanges", step.get("track", True))
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
            elif op == "move_down":  # the paragraph one down (Ctrl+Alt+Down in Writer)
                view = doc.getCurrentController().getViewCursor()
                view.gotoRange(found.getStart(), False)
                dispatcher.executeDispatch(frame, ".uno:MoveDown", "", 0, ())
            elif op == "bold":
                found.setPropertyValue("CharWeight", 150.0)
            elif op == "delete_paragraph":
                cursor = found.getText().createTextCursorByRange(found.getStart())
                cursor.gotoStartOfParagraph(False)
                cursor.gotoEndOfParagraph(True)
                cursor.goRight(1, True)
                cursor.setString("")
            elif op == "join_next":
                cursor = found.getText().createTextCursorByRange(found.getEnd())
                cursor.gotoEndOfParagraph(False)
                cursor.goRight(1, True)
                cursor.setString("")
            else:
                raise SystemExit(f"unbekannter Schritt {op}")
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(out)),
                       (prop("FilterName", "MS Word 2007 XML"),))


if __name__ == "__main__":
    main(*sys.argv[1:4])
