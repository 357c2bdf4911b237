"""A pytest plugin of Murmur's conformance command: appends one JSON line per test outcome to
the file named by `MURMUR_REPORT` ({"test", "outcome", "message"}), which the command prints."""

import json
import os


def _message(report):
    if report.outcome == "skipped" and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    if report.failed:
        text = str(report.longrepr)
        lines = text.splitlines()
        errors = [line[1:].strip() for line in lines if line.startswith("E ")]
        failing = [line[1:].strip() for line in lines if line.startswith("> ")]
        crash = getattr(report.longrepr, "reprcrash", None)
        where = f" at {os.path.basename(crash.path)}:{crash.lineno}" if crash is not None else ""
        first = errors[0] if errors else (lines[-1].strip() if lines else "failed")
        # A bare `assert` says only "AssertionError": name the line that failed.
        detail = f"{first}{where}" + (f": {failing[-1]}" if failing and len(errors) <= 1 else "")
        return detail[:400]
    return ""


def _write(entry):
    path = os.environ.get("MURMUR_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and not report.passed):
        outcome = report.outcome
        if report.when == "setup" and report.failed:
            outcome = "failed"
        _write({"test": report.nodeid, "outcome": outcome, "message": _message(report)})


def pytest_collectreport(report):
    if report.failed:
        _write({"test": report.nodeid, "outcome": "failed", "message": _message(report)})
