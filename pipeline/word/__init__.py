"""The Word round trip (issue 17): what a reviewed DOCX says, turned back into plan Markdown.

Pure: the modules here get bytes and pandoc's JSON and return text; reading files, running
pandoc and writing git objects is done by commands/word.py, render/word.py and history.py.
"""
