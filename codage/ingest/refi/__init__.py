"""REFI-QDA import: ``.qdpx`` projects and ``.qdc`` codebooks from any QDA tool.

:mod:`.archive` opens the zip and parses its XML as untrusted input,
:mod:`.parse` turns the XML into the plain records of :mod:`.model`,
:mod:`.offsets` finds how a file counts positions and converts them,
:mod:`.build` writes the records into a project and :mod:`.report` says what
was found, placed, converted, kept aside and skipped; :mod:`.service` runs
it all and merges the result into the target project.
"""
