"""A ``.qdpx`` read as untrusted input: checked zip, entities and network off.

The zip's central directory goes through :mod:`codage.ingest.zipguard` (limits on
entries, sizes and ratios; names that leave the archive refused) before any entry
is read. XML is parsed by lxml with entities, DTDs and the network off, and a
document that declares a DTD is refused outright: no QDA tool writes one, entity
bombs do.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

from lxml import etree

from codage.ingest.errors import IngestError
from codage.ingest.zipguard import check_xml_part, open_zip, read_entry

# Entities can only be declared in a DOCTYPE: refusing it refuses them all.
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def parse_xml(data: bytes, path: Path, part: str) -> etree._Element:
    """Parse one XML part with entities, DTDs and network access off."""
    check_xml_part(path, part, len(data))
    if _DOCTYPE.search(data):
        raise IngestError(
            path,
            f"{part} declares a DTD or entities, which REFI-QDA files never do "
            "(an entity bomb or an external entity?); refusing it",
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise IngestError(path, f"{part} is not well-formed XML ({exc}); export it again") from None
    if root is None:
        raise IngestError(path, f"{part} is empty; export it again")
    return root


class QdpxArchive:
    """An opened ``.qdpx``: its project XML and its source files, by REFI-QDA path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile = open_zip(path)
        try:
            self.names = [i.filename for i in self.zip.infolist() if not i.is_dir()]
            # Sources/ or sources/, and names in any case: one lookup by lower-case name.
            self._folded = {n.replace("\\", "/").lower(): n for n in self.names}
            self.qde_name = self._find_qde()
        except BaseException:
            self.zip.close()
            raise

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> QdpxArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _find_qde(self) -> str:
        # ATLAS.ti names the project file after the project: any one .qde at the root.
        found = [n for n in self.names if "/" not in n.strip("/") and n.lower().endswith(".qde")]
        if not found:
            raise IngestError(
                self.path, "no .qde project file at the root of the archive: not a REFI-QDA project"
            )
        if len(found) > 1:
            raise IngestError(
                self.path,
                f"the archive holds {len(found)} .qde project files ({', '.join(found[:4])}); "
                "export one project per file",
            )
        return found[0]

    def project_xml(self) -> etree._Element:
        """The root element of the project's ``.qde``."""
        data = read_entry(self.zip, self.qde_name, self.path)
        return parse_xml(data, self.path, self.qde_name)

    def entry_for(self, reference: str) -> str | None:
        """The zip entry an ``internal://`` or ``relative://`` path names, or None."""
        ref = reference.strip()
        lowered = ref.lower()
        if lowered.startswith("internal://"):
            candidates = [f"sources/{ref[len('internal://') :]}"]
        elif lowered.startswith("relative://"):
            rest = ref[len("relative://") :].lstrip("/")
            candidates = [rest, f"sources/{rest}"]
        elif lowered.startswith("absolute://"):
            return None
        else:
            candidates = [ref, f"sources/{ref}"]
        for name in candidates:
            clean = name.replace("\\", "/")
            if ".." in PurePosixPath(clean).parts:
                raise IngestError(
                    self.path, f"source path {reference!r} leaves the archive; refusing it"
                )
            found = self._folded.get(clean.lower())
            if found is not None:
                return found
        return None

    def read(self, entry: str) -> bytes:
        """The bytes of one entry."""
        return read_entry(self.zip, entry, self.path)
