"""LibreOffice for the scripts that run with the system python (they need its `uno` module):
started headless with a profile of its own, one document opened hidden, ended afterwards.
"""

import contextlib
import os
import shutil
import subprocess
import time

import uno  # noqa: I001  (LibreOffice's module, only for the system python)
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


@contextlib.contextmanager
def opened(path, name):
    """`path` open in a fresh LibreOffice: (service manager, context, document, dispatcher,
    frame). `name` tells the pipe and the profile of one script from another's."""
    pipe = f"{name}{os.getpid()}"
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
        for _ in range(240):  # LibreOffice takes a few seconds to listen on its pipe
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.25)
        smgr = ctx.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)),
                                           "_blank", 0, (prop("Hidden", True),))
        dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
        yield smgr, ctx, doc, dispatcher, doc.getCurrentController().getFrame()
        doc.close(True)
    finally:
        if desktop is not None:
            try:
                desktop.terminate()
            except Exception:
                pass
        proc.wait(timeout=60)
        shutil.rmtree(profile, ignore_errors=True)
