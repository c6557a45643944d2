"""Named checks shared by the end-to-end test scripts: each check prints "ok" or "FAIL" and its name;
summary() prints the count and gives the exit status."""
failures, checks = [], []


def check(cond, what):
    checks.append(what)
    if not cond:
        failures.append(what)
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    return bool(cond)


def summary():
    print(f"{len(checks) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0
