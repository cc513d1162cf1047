"""Accept or reject all tracked changes of a DOCX in LibreOffice and save the text.

Run with the system python (it needs LibreOffice's `uno` module):
    /usr/bin/python3 tests/support/lo_tracked_changes.py IN.docx accept|reject OUT.txt
"""

import os
import sys

import uno  # noqa: I001  (LibreOffice's module, only for the system python)
from lo_session import opened, prop


def main(docx, mode, out):
    with opened(docx, "lip") as (_, _, doc, dispatcher, frame):
        command = ".uno:AcceptAllTrackedChanges" if mode == "accept" \
            else ".uno:RejectAllTrackedChanges"
        dispatcher.executeDispatch(frame, command, "", 0, ())
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(out)),
                       (prop("FilterName", "Text (encoded)"), prop("FilterOptions", "UTF8")))


if __name__ == "__main__":
    main(*sys.argv[1:4])
