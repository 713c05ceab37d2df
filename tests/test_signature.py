"""Signatures: the same failure compares equal across revisions and runs; different failures do not."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from logscan.model import Event
from logscan.templates.miner import Masker
from logscan.templates.signature import TRACEBACK_CACHE_CHARS, Signer, headline, parse_traceback, templated

from .factories import event

MASKS = yaml.safe_load((Path(__file__).resolve().parent.parent / "patterns" / "masks.yaml").read_text())[
    "masks"
]


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer(Masker([(m["name"], m["regex"]) for m in MASKS]))


def boot_failure(
    pid: int, ts: str, lib_line: int, app_line: int, exc: str = "KeyError: 'DATABASE_URL'"
) -> Event:
    """A worker-boot traceback as one revision logged it."""
    return event(
        f"[{ts} +0000] [{pid}] [ERROR] Exception in worker process",
        "Traceback (most recent call last):",
        f'  File "/usr/local/lib/python3.11/site-packages/gunicorn/arbiter.py", line {lib_line}, in spawn_worker',
        "    worker.init_process()",
        f'  File "/usr/local/lib/python3.11/importlib/__init__.py", line {lib_line + 17}, in import_module',
        "    return _bootstrap._gcd_import(name[level:], package, level)",
        '  File "/app/main.py", line 8, in <module>',
        "    from billing.db import engine",
        f'  File "/app/billing/db.py", line {app_line}, in <module>',
        '    DATABASE_URL = os.environ["DATABASE_URL"]',
        '  File "<frozen os>", line 679, in __getitem__',
        exc,
    )


def test_same_failure_in_two_revisions_has_one_signature(signer: Signer) -> None:
    first = boot_failure(7, "2025-09-15 18:02:11", 609, 14)
    second = boot_failure(12, "2025-09-16 09:40:57", 611, 14)
    assert signer.sign(first, "gunicorn-worker-exception", None, "t1") == signer.sign(
        second, "gunicorn-worker-exception", None, "t2"
    )


def test_different_exceptions_raised_at_the_same_line_have_two_signatures(signer: Signer) -> None:
    key_error = boot_failure(7, "2025-09-15 18:02:11", 609, 14)
    type_error = boot_failure(
        7, "2025-09-15 18:02:11", 609, 14, exc="TypeError: 'NoneType' object is not subscriptable"
    )
    one = signer.sign(key_error, "gunicorn-worker-exception", None, "t")
    two = signer.sign(type_error, "gunicorn-worker-exception", None, "t")
    assert one != two
    assert one.split(":")[1] == "KeyError"
    assert two.split(":")[1] == "TypeError"


def test_a_different_app_frame_is_a_different_failure(signer: Signer) -> None:
    here = boot_failure(7, "2025-09-15 18:02:11", 609, 14)
    elsewhere = Event(
        records=here.records,
        text=here.text.replace("billing/db.py", "billing/settings.py"),
        clean=here.clean.replace("billing/db.py", "billing/settings.py"),
    )
    assert signer.sign(here, "r", None, "t") != signer.sign(elsewhere, "r", None, "t")


def test_rule_matches_with_a_key_sign_as_rule_and_key(signer: Signer) -> None:
    ev = boot_failure(7, "2025-09-15 18:02:11", 609, 14)
    assert signer.sign(ev, "environ-keyerror", "DATABASE_URL", "t") == "environ-keyerror:DATABASE_URL"


def test_a_noise_rule_signs_as_its_id_and_key_whatever_the_text(signer: Signer) -> None:
    ok = event('169.254.169.126:51100 - "GET /health HTTP/1.1" 200')
    other = event('169.254.169.126:40856 - "GET /v1/invoices/7 HTTP/1.1" 200')
    assert signer.sign(ok, "access-log-ok", None, "t1", noise=True) == "access-log-ok"
    assert signer.sign(other, "access-log-ok", None, "t2", noise=True) == "access-log-ok"
    assert signer.sign(ok, "access-log-ok", "/health", "t1", noise=True) == "access-log-ok:/health"
    crash = boot_failure(7, "2025-09-15 18:02:11", 609, 14)
    assert signer.sign(crash, "handled-retry", None, "t", noise=True) == "handled-retry"
    assert signer.sign(crash, "handled-retry", None, "t").startswith("handled-retry:KeyError:")


def test_fixed_gives_the_signature_unless_it_is_made_from_the_template(signer: Signer) -> None:
    crash = boot_failure(7, "2025-09-15 18:02:11", 609, 14)
    plain = event("Booting worker with pid: 7")
    assert signer.fixed(plain, "unclaimed", None) is None
    assert signer.sign(plain, "unclaimed", None, "Booting worker with pid: <NUM>") == templated(
        "unclaimed", "Booting worker with pid: <NUM>"
    )
    assert signer.fixed(plain, "env-var-missing", "PORT") == "env-var-missing:PORT"
    assert signer.fixed(crash, "fallback-traceback", None) == signer.sign(
        crash, "fallback-traceback", None, "x"
    )
    assert signer.fixed(crash, "fallback-traceback", None) == signer.sign(
        crash, "fallback-traceback", None, "y"
    )


def test_a_remembered_traceback_keeps_each_rule_apart_and_long_texts_sign_alike(signer: Signer) -> None:
    crash = boot_failure(7, "2025-09-15 18:02:11", 609, 14)
    one, two = (
        signer.fixed(crash, rule, None) for rule in ("gunicorn-worker-exception", "fallback-traceback")
    )
    assert one is not None and two is not None
    assert one.split(":", 1) == ["gunicorn-worker-exception", two.split(":", 1)[1]]
    padded = event(
        *crash.clean.split("\n")[:-1], "  " + "x" * TRACEBACK_CACHE_CHARS, crash.clean.split("\n")[-1]
    )
    assert len(padded.clean) > TRACEBACK_CACHE_CHARS
    assert signer.fixed(padded, "fallback-traceback", None) == two


def test_other_events_sign_by_their_template(signer: Signer) -> None:
    a = signer.sign(event("Booting worker with pid: 7"), "unclaimed", None, "Booting worker with pid: <NUM>")
    b = signer.sign(event("Booting worker with pid: 12"), "unclaimed", None, "Booting worker with pid: <NUM>")
    c = signer.sign(event("Worker exiting (pid: 7)"), "unclaimed", None, "Worker exiting (pid: <NUM>)")
    assert a == b != c


def test_flattened_traceback_yields_its_exception_type_and_frames() -> None:
    flat = (
        'Traceback (most recent call last): File "/usr/local/lib/python3.11/site-packages/gunicorn/arbiter.py", '
        'line 609, in spawn_worker worker.init_process() File "/app/main.py", line 8, in <module> '
        "from billing.db import engine ModuleNotFoundError: No module named 'billing'"
    )
    info = parse_traceback(flat)
    assert info is not None
    assert info.exception == "ModuleNotFoundError"
    assert [(f.file, f.line, f.function) for f in info.frames] == [
        ("/usr/local/lib/python3.11/site-packages/gunicorn/arbiter.py", 609, "spawn_worker"),
        ("/app/main.py", 8, "<module>"),
    ]
    assert [f.file for f in info.app_frames()] == ["/app/main.py"]


def test_traceback_with_literal_backslash_n_is_parsed_like_a_real_one() -> None:
    literal = (
        'Traceback (most recent call last):\\n  File "/app/main.py", line 3, in <module>\\n'
        "    import billing\\nModuleNotFoundError: No module named 'billing'"
    )
    info = parse_traceback(literal)
    assert info is not None
    assert info.exception == "ModuleNotFoundError"
    assert [f.function for f in info.frames] == ["<module>"]


def test_cut_off_flattened_traceback_keeps_its_frames_without_a_type() -> None:
    cut = (
        'Traceback (most recent call last): File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/base.py", '
        "line 146, in load_wsgi self.wsgi = self.app.wsgi()"
    )
    info = parse_traceback(cut)
    assert info is not None
    assert info.exception is None
    assert [f.function for f in info.frames] == ["load_wsgi"]


def test_chained_traceback_lists_every_exception_and_ends_with_the_last() -> None:
    info = parse_traceback(
        "\n".join(
            [
                "Traceback (most recent call last):",
                '  File "/app/billing/db.py", line 14, in <module>',
                "KeyError: 'DATABASE_URL'",
                "",
                "The above exception was the direct cause of the following exception:",
                "",
                "Traceback (most recent call last):",
                '  File "/app/billing/db.py", line 16, in <module>',
                "RuntimeError: DATABASE_URL is required",
            ]
        )
    )
    assert info is not None
    assert info.chain == ("KeyError", "RuntimeError")
    assert info.exception == "RuntimeError"


def test_plain_text_is_not_a_traceback() -> None:
    assert parse_traceback("Booting worker with pid: 7") is None


def test_headline_is_the_final_exception_line_of_a_traceback() -> None:
    assert headline(boot_failure(7, "2025-09-15 18:02:11", 609, 14)) == "KeyError: 'DATABASE_URL'"
    assert headline(event("/app/x.py:12: DeprecationWarning: old", "  from foo import bar")) == (
        "/app/x.py:12: DeprecationWarning: old"
    )


def middleware_crash(module: str) -> Event:
    """A worker boot that died on a missing module under the same RuntimeError, as gunicorn logs it."""
    return event(
        "[2025-09-15 18:40:11 +0000] [7] [ERROR] Exception in worker process",
        "Traceback (most recent call last):",
        '  File "/app/netra_backend/app/core/middleware_setup.py", line 41, in setup_middleware',
        f"    from {module} import install",
        f"ModuleNotFoundError: No module named '{module}'",
        "",
        "The above exception was the direct cause of the following exception:",
        "",
        "Traceback (most recent call last):",
        '  File "/usr/local/lib/python3.11/site-packages/gunicorn/arbiter.py", line 609, in spawn_worker',
        "    worker.init_process()",
        '  File "/app/netra_backend/app/core/middleware_setup.py", line 47, in setup_middleware',
        '    raise RuntimeError("Failed to setup middleware") from e',
        "RuntimeError: Failed to setup middleware",
    )


def test_a_chain_whose_root_cause_changed_is_another_failure(signer: Signer) -> None:
    before = signer.sign(
        middleware_crash("netra_backend.app.services.audit"), "gunicorn-worker-exception", None, "t"
    )
    after = signer.sign(
        middleware_crash("netra_backend.app.services.monitoring"), "gunicorn-worker-exception", None, "t"
    )
    again = signer.sign(
        middleware_crash("netra_backend.app.services.monitoring"), "gunicorn-worker-exception", None, "u"
    )
    assert before != after == again
    assert after == (
        "gunicorn-worker-exception:RuntimeError<ModuleNotFoundError:netra_backend.app.services.monitoring"
    )


def test_a_chained_root_without_a_name_is_told_apart_by_its_own_frames(signer: Signer) -> None:
    def chained(root_file: str) -> Event:
        return event(
            "Traceback (most recent call last):",
            f'  File "/app/{root_file}", line 9, in connect',
            "OSError: [Errno 111] Connect call failed ('10.8.0.3', 5432)",
            "",
            "The above exception was the direct cause of the following exception:",
            "",
            "Traceback (most recent call last):",
            '  File "/app/orders/main.py", line 30, in lifespan',
            "RuntimeError: Database unreachable",
        )

    one = signer.sign(chained("orders/db.py"), "fallback-traceback", None, "t")
    two = signer.sign(chained("orders/cache.py"), "fallback-traceback", None, "t")
    assert one.startswith("fallback-traceback:RuntimeError<OSError:")
    assert one != two


def test_a_missing_module_is_named_not_hashed(signer: Signer) -> None:
    crash = event(
        "Traceback (most recent call last):",
        '  File "/app/orders/main.py", line 7, in <module>',
        "    from app.reporting import router",
        "ModuleNotFoundError: No module named 'app.reporting'",
    )
    assert signer.sign(crash, "gunicorn-worker-exception", None, "t") == (
        "gunicorn-worker-exception:ModuleNotFoundError:app.reporting"
    )


def _trace_texts() -> list[str]:
    """Every language's sample trace, cut at many places (a cut can end a line where it did not end)."""
    from tests import traces_samples

    samples = [v for k, v in vars(traces_samples).items() if k.isupper() and isinstance(v, str)]
    texts = [*samples, "plain words", "", 'INFO:     1.2.3.4:5 - "GET / HTTP/1.1" 503']
    for sample in samples:
        texts += [sample[:cut] for cut in range(1, len(sample), 5)]
        texts += sample.split("\n")
    return texts


def test_the_screened_trace_parse_gives_parses_answer_on_every_cut_of_every_language() -> None:
    from logscan.ingest.traces import parse
    from logscan.templates.signature import _any_shape, parse_trace

    assert _any_shape() is not None  # the shipped shapes join: the screen is in use
    texts = _trace_texts()
    found = [parse(text) for text in texts]
    assert [parse_trace(text) for text in texts] == found
    assert sum(f is None for f in found) > 100 and sum(f is not None for f in found) > 100


@pytest.mark.parametrize(
    ("patterns", "joins"),
    [
        ([r"^\s+at x", r":line \d+$", r"(?:a|b)(?=c)(?<!d)"], True),
        ([r"(?i)panic: ", r"x"], False),  # an inline flag would apply to every alternative
        ([r"(?P<n>a)b", r"x"], False),  # a named group
        ([r"(a)\1", r"x"], False),  # a numbered backreference would point elsewhere
    ],
)
def test_trace_shapes_are_joined_only_when_joining_keeps_their_meaning(
    patterns: list[str], joins: bool
) -> None:
    from logscan.templates.signature import _joined

    assert (_joined(patterns) is not None) == joins


def test_screened_texts_are_short_enough_for_parse_to_read_whole() -> None:
    from logscan.ingest import traces
    from logscan.templates import signature

    assert signature._SCREENED_CHARS <= traces._MAX_CHARS
