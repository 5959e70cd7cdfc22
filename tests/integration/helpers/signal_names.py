# SPDX-License-Identifier: MIT
"""Signal names as the helpers read them (`SIGTERM`, `term` or `15`), and signal dispositions
set as a parent that changed them would leave them."""
import signal


def parse_sig(text):
    text = text.upper()
    if text.isdigit():
        return int(text)
    if not text.startswith("SIG"):
        text = "SIG" + text
    return int(getattr(signal, text))


def set_dispositions(ignored=(), blocked=()):
    """Every catchable signal at its default, but `ignored` (SIG_IGN); the mask is `blocked`.
    Python's own SIG_IGN of SIGPIPE and SIGXFSZ is undone with the rest."""
    for num in signal.valid_signals():
        if num in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            signal.signal(num, signal.SIG_IGN if num in ignored else signal.SIG_DFL)
        except (OSError, ValueError):
            pass  # glibc's reserved real-time signals
    signal.pthread_sigmask(signal.SIG_SETMASK, set(blocked))
