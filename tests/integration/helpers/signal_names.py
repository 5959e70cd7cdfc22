# SPDX-License-Identifier: MIT
"""Signal names as the helpers read them: `SIGTERM`, `term` or `15`."""
import signal


def parse_sig(text):
    text = text.upper()
    if text.isdigit():
        return int(text)
    if not text.startswith("SIG"):
        text = "SIG" + text
    return int(getattr(signal, text))
