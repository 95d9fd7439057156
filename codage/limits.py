"""Every bound codage puts on its input, in one place, named in the messages that cite them.

A hostile or broken file must cost bounded memory and time and end in one
clear line (or a warning, where the rest of the file can still be read); these
are the bounds. Each constant's name appears in the message it causes, so a
person who meets one can find it here. Real material stays far below them.
"""

from __future__ import annotations

# Codebooks: no real study nests codes this deep, and YAML that deep is an
# accident or an attack.
MAX_CODE_DEPTH = 100

# Zip-based inputs (docx, xlsx, odt), checked on the central directory before any
# library inflates anything. Office XML compresses 5-30x; deflated zeros ~1000x,
# so the ratio is only checked on entries above ZIP_RATIO_FLOOR bytes.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_TOTAL_SIZE = 512 * 1024 * 1024
ZIP_MAX_ENTRY_SIZE = 256 * 1024 * 1024
ZIP_MAX_RATIO = 150.0
ZIP_RATIO_FLOOR = 1024 * 1024

# One XML part (word/document.xml, content.xml): a 500-page transcript is a few
# MB of XML; hundreds of MB keep lxml and the readers busy for many minutes.
MAX_XML_PART_SIZE = 64 * 1024 * 1024

# A repeat count in a document (ODT's <text:s text:c="..."/>): real files repeat
# a few spaces; a count of two billion would allocate gigabytes.
MAX_REPEAT = 1_000

# Rows x columns read from one survey table (CSV or XLSX): 1,300 respondents x
# 300 columns is 390,000; a declared A1:XFD1048576 would be 17 billion.
MAX_TABLE_CELLS = 5_000_000

# The longest stretch of text spaCy reads at once. Long turns and lines without a
# break are cut (after a sentence where one ends in reach) so that a batch of
# pieces stays small: a 5 MB line read as pieces of 100,000 characters needed
# gigabytes per batch.
MAX_ANALYSIS_CHUNK = 1_000
