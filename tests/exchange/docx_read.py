"""Reading Word files back: paragraphs by style, and the text each comment is anchored on."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn


def comment_ranges(doc: DocxDocument) -> dict[int, str]:
    """Comment id -> the text between its commentRangeStart and commentRangeEnd.

    Paragraph ends inside a range read as a newline.
    """
    body = doc.element.body
    open_ids: set[int] = set()
    texts: dict[int, list[str]] = {}
    for el in body.iter():
        tag = el.tag
        if tag == qn("w:commentRangeStart"):
            cid = int(el.get(qn("w:id")))
            open_ids.add(cid)
            texts[cid] = []
        elif tag == qn("w:commentRangeEnd"):
            open_ids.discard(int(el.get(qn("w:id"))))
        elif tag == qn("w:t"):
            for cid in open_ids:
                texts[cid].append(el.text or "")
        elif tag == qn("w:p"):
            for cid in open_ids:
                if texts[cid]:
                    texts[cid].append("\n")
    return {cid: "".join(parts) for cid, parts in texts.items()}
