"""Keeps the garbage collector's full passes short once the service is up.

A full (generation 2) collection walks every tracked object with the event loop stopped. After
the service's imports (the openai SDK's Realtime types alone are hundreds of modules) one pass
takes 50-100 ms, and every call in progress hears that as a gap in its audio. Everything that
exists once the app is listening (modules, the app, clients) lives as long as the process, so it
is moved out of the collector's sight; later passes only walk what calls allocate.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    gc.collect()
    gc.freeze()
