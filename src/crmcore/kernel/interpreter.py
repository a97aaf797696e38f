"""Process-wide settings of the interpreter, for every process that serves or runs jobs."""

import sys

#: How long a thread may keep the GIL while another waits for it. CPython's 5 ms made an
#: import's writers (waiting on PostgreSQL, then needing the GIL for a moment) wait up to 5 ms
#: behind the reader thread converting rows at every step of sending a batch: a 200,000-row
#: import ran at 17,500-17,800 rows/s with 5 ms, 19,600-19,800 with 2, 1, 0.5 or 0.1 ms
#: (docs/decisions.md). Request threads wait behind a busy thread the same way.
GIL_SWITCH_SECONDS = 0.001


def share_the_gil_promptly() -> None:
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
