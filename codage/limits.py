"""Every bound codage puts on its input, in one place, named in the messages that cite them.

A hostile or broken file must cost bounded memory and time and end in one
clear line; these are the bounds. Each constant's name appears in the error
message it causes, so a person who meets one can find it here.
"""

from __future__ import annotations

# Codebooks: no real study nests codes this deep, and YAML that deep is an
# accident or an attack.
MAX_CODE_DEPTH = 100
