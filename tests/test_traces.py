"""Every language's trace: joined into one event when split one line per entry, its exception read back,
and signed by its exception and the application's own frames, never by line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from logscan.classify.library import load_library
from logscan.cli import cli
from logscan.ingest.join import join
from logscan.ingest.traces import parse
from logscan.templates.exception import raised
from logscan.templates.miner import Masker
from logscan.templates.signature import identify
from tests import traces_samples as samples
from tests.factories import record

# name: (sample, language, type, message start, causes root first)
CASES = {
    "node-module": (samples.NODE_MODULE, "node", "Error", "Cannot find module 'express'", ()),
    "node-cause": (samples.NODE_CAUSE, "node", "Error", "failed to load configuration", ("TypeError",)),
    "java-caused-by": (
        samples.JAVA_CAUSED_BY,
        "jvm",
        "org.springframework.beans.factory.UnsatisfiedDependencyException",
        "Error creating bean with name 'orderController'",
        ("java.lang.IllegalStateException", "org.springframework.beans.factory.BeanCreationException"),
    ),
    "java-thread": (
        samples.JAVA_THREAD,
        "jvm",
        "java.lang.NoClassDefFoundError",
        "org/slf4j/LoggerFactory",
        ("java.lang.ClassNotFoundException",),
    ),
    "dotnet": (
        samples.DOTNET,
        "dotnet",
        "System.InvalidOperationException",
        "Unable to resolve service for type 'Acme.Billing.IInvoiceStore'",
        ("System.ArgumentNullException",),
    ),
    "go": (samples.GO, "go", "panic", "runtime error: invalid memory address", ()),
    "ruby": (
        samples.RUBY,
        "ruby",
        "ActiveSupport::MessageEncryptor::InvalidMessage",
        "ActiveSupport::MessageEncryptor::InvalidMessage",
        (),
    ),
    "rails-aborted": (samples.RAILS_ABORTED, "ruby", "ArgumentError", "Missing `secret_key_base`", ()),
    "php": (samples.PHP, "php", "PDOException", "SQLSTATE[HY000] [2002] Connection refused", ()),
}
ALL = {**{k: v[0] for k, v in CASES.items()}, "spring-failed": samples.SPRING_FAILED}


@pytest.mark.parametrize("name", sorted(ALL))
def test_a_trace_split_one_line_per_entry_is_one_event(name: str) -> None:
    lines = ALL[name].split("\n")
    texts = ["Starting service", *lines, "Listening on port 8080"]
    events = list(join(record(text, index=i) for i, text in enumerate(texts)))
    assert [len(e.records) for e in events] == [1, len(lines), 1]
    assert events[1].clean == ALL[name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_trace_carries_its_exception_type_and_message(name: str) -> None:
    text, language, kind, message, causes = CASES[name]
    found = raised(text)
    assert found is not None
    assert (found.language, found.type, found.causes) == (language, kind, causes)
    assert found.message.startswith(message)


def test_frames_of_the_application_are_told_from_the_runtime_and_libraries() -> None:
    def own(text: str) -> list[str]:
        trace = parse(text)
        assert trace is not None
        return [f.function for f in trace.frames if f.own]

    assert own(samples.JAVA_CAUSED_BY) == [
        "com.acme.orders.OrdersApplication.main",
        "com.acme.orders.db.OrderRepository.init",
    ]
    assert own(samples.GO) == ["github.com/acme/inventory/internal/store.(*Store).Ping", "main.main"]
    assert own(samples.DOTNET) == ["Acme.Billing.Data.InvoiceStore..ctor", "Acme.Billing.Program.Main"]
    php = parse(samples.PHP)
    assert php is not None
    assert [f.file for f in php.frames if f.own] == [
        "/var/www/html/src/Db.php",
        "/var/www/html/public/index.php",
    ]
    assert "Object.<anonymous>" in own(samples.NODE_MODULE)
    assert not any("node:" in f.file for f in parse(samples.NODE_MODULE).app_frames(3))  # type: ignore[union-attr]
    assert [f.file for f in parse(samples.RUBY).frames if f.own] == [  # type: ignore[union-attr]
        "/rails/config/initializers/session_store.rb"
    ]


_MASKER = Masker(load_library().masks)


@pytest.mark.parametrize("name", sorted(CASES))
def test_signatures_ignore_line_numbers(name: str) -> None:
    text = CASES[name][0]
    moved = (
        text.replace(":12", ":112")
        .replace("line 27", "line 127")
        .replace(":31 ", ":131 ")
        .replace("(14)", "(114)")
    )
    assert identify(_MASKER, text) is not None
    assert identify(_MASKER, moved) == identify(_MASKER, text)


def test_a_signature_changes_with_the_application_frame_that_failed() -> None:
    other = samples.GO.replace("store.(*Store).Ping", "store.(*Store).Query")
    assert identify(_MASKER, other) != identify(_MASKER, samples.GO)
    library_only = samples.JAVA_THREAD.replace("jdk.internal.loader", "jdk.internal.loaders")
    assert identify(_MASKER, library_only) == identify(_MASKER, samples.JAVA_THREAD)


def _classify(tmp_path: Path, text: str) -> list[dict[str, object]]:
    path = tmp_path / "stderr.txt"
    path.write_text(f"Starting service\n{text}\nListening on port 8080\n")
    result = CliRunner().invoke(cli, ["classify", str(path)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_classify_gives_a_split_java_caused_by_chain_one_event_signed_by_its_exception(
    tmp_path: Path,
) -> None:
    out = _classify(tmp_path, samples.JAVA_CAUSED_BY)
    assert [o["records"] for o in out] == [1, 11, 1]
    chain = out[1]
    assert chain["class"] == "regression"
    assert str(chain["signature"]).split(":")[1] == "UnsatisfiedDependencyException<IllegalStateException"
    assert chain["exception"] == {
        "language": "jvm",
        "type": "org.springframework.beans.factory.UnsatisfiedDependencyException",
        "message": "Error creating bean with name 'orderController': Unsatisfied dependency expressed through"
        " constructor parameter 0",
        "causes": [
            "java.lang.IllegalStateException",
            "org.springframework.beans.factory.BeanCreationException",
        ],
    }


def test_classify_gives_a_split_node_cannot_find_module_trace_one_event_signed_by_its_exception(
    tmp_path: Path,
) -> None:
    out = _classify(tmp_path, samples.NODE_MODULE)
    assert len(out) == 3
    trace = out[1]
    assert trace["class"] == "regression"
    assert "express" in str(trace["signature"])
    assert trace["exception"] == {
        "language": "node",
        "type": "Error",
        "message": "Cannot find module 'express'",
        "causes": [],
    }


@pytest.mark.parametrize("name", ["node-module", "java-caused-by", "go", "php"])
def test_a_trace_pasted_without_its_indentation_still_joins(name: str) -> None:
    lines = [line.strip() for line in CASES[name][0].split("\n") if line.strip()]
    texts = ["Starting service", *lines, "Listening on port 8080"]
    events = list(join(record(text, index=i) for i, text in enumerate(texts)))
    assert [len(e.records) for e in events] == [1, len(lines), 1]
    found = raised(events[1].clean)
    assert found is not None and found.type == CASES[name][2]


def test_a_node_frame_without_a_function_name_is_read_as_a_frame() -> None:
    # Node prints a top-level frame as "at FILE:LINE:COL" with no function and no parentheses
    # (seen in a docker paste of a "Cannot find module" crash); reading it once raised AttributeError.
    text = "\n".join(
        (
            "Error: Cannot find module '/app/server.js'",
            "    at Module._resolveFilename (node:internal/modules/cjs/loader:1140:15)",
            "    at node:internal/main/run_main_module:28:49 {",
            "  code: 'MODULE_NOT_FOUND',",
            "  requireStack: []",
            "}",
        )
    )
    found = parse(text)
    assert found is not None
    assert [(f.file, f.function) for f in found.frames][-1] == ("node:internal/main/run_main_module", "")
    exception = raised(text)
    assert exception is not None and exception.type == "Error"


def test_a_dotnet_file_not_found_joins_its_file_name_line_and_frames_without_files() -> None:
    # .NET puts "File name: '...'" between a FileNotFoundException's message and its frames, and a build
    # without PDBs prints frames without "in FILE:line N": the frames once formed an event of their own.
    lines = [
        "Unhandled exception. System.IO.FileNotFoundException: Could not load file or assembly 'Npgsql, "
        "Version=8.0.3.0, Culture=neutral, PublicKeyToken=5d8b90d52f46fda7'. The system cannot find the file specified.",
        "File name: 'Npgsql, Version=8.0.3.0, Culture=neutral, PublicKeyToken=5d8b90d52f46fda7'",
        "   at Acme.Billing.Data.InvoiceStore..ctor(IConfiguration config)",
        "   at Acme.Billing.Program.<Main>$(String[] args)",
    ]
    texts = ["Starting service", *lines, "Listening on port 8080", "   at least once a minute (default)"]
    events = list(join(record(text, index=i) for i, text in enumerate(texts)))
    assert [len(e.records) for e in events] == [1, len(lines), 1, 1]
    found = raised(events[1].clean)
    assert found is not None and found.type == "System.IO.FileNotFoundException"
