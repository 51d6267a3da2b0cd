"""Writing a benchmark's results: the figures with the date and the machine they came from."""
from __future__ import annotations

import datetime as dt
import json
import os
import platform


def write_results(path: str, **sections: object) -> None:
    """Write `sections` as JSON to `path`, led by the date and the host, and say so."""
    doc = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host": {"cpus": os.cpu_count(), "kernel": platform.release(),
                 "python": platform.python_version()},
        **sections,
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
    print(f"JSON written to {path}")
