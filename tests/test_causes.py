"""templates/causes.py: the chained exceptions inside one event, root cause first, for each runtime."""

from __future__ import annotations

import pytest

from logscan.model import Language
from logscan.templates.causes import parse_causes

from .conftest import real_corpus

MIDDLEWARE = """\
[2025-09-15 18:40:11 +0000] [7] [ERROR] Exception in worker process
Traceback (most recent call last):
  File "/app/netra_backend/app/core/middleware_setup.py", line 41, in setup_middleware
    from netra_backend.app.services.monitoring import install_gcp_error_reporter
ModuleNotFoundError: No module named 'netra_backend.app.services.monitoring'

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/gunicorn/arbiter.py", line 609, in spawn_worker
    worker.init_process()
  File "/usr/local/lib/python3.11/site-packages/uvicorn/workers.py", line 75, in init_process
    super().init_process()
  File "/app/netra_backend/app/main.py", line 22, in <module>
    app = create_app()
  File "/app/netra_backend/app/core/middleware_setup.py", line 47, in setup_middleware
    raise RuntimeError("Failed to setup middleware") from e
RuntimeError: Failed to setup middleware"""


def test_python_direct_cause_puts_the_first_printed_traceback_at_the_root() -> None:
    chain = parse_causes(MIDDLEWARE)
    assert chain is not None and chain.language is Language.PYTHON
    assert [c.exception for c in chain.causes] == ["ModuleNotFoundError", "RuntimeError"]
    assert chain.root.message == "No module named 'netra_backend.app.services.monitoring'"
    assert chain.root.frames == ("/app/netra_backend/app/core/middleware_setup.py",)
    assert chain.outermost.message == "Failed to setup middleware"
    assert chain.outermost.frames[-1] == "/app/netra_backend/app/core/middleware_setup.py"


def test_python_during_handling_and_a_dotted_exception_type() -> None:
    text = "\n".join(
        [
            "Traceback (most recent call last):",
            '  File "/app/billing/settings.py", line 12, in load',
            '    return os.environ["STRIPE_API_KEY"]',
            '  File "<frozen os>", line 714, in __getitem__',
            "KeyError: 'STRIPE_API_KEY'",
            "",
            "During handling of the above exception, another exception occurred:",
            "",
            "Traceback (most recent call last):",
            '  File "/app/billing/settings.py", line 14, in load',
            "    raise billing.errors.ConfigError('missing')",
            "billing.errors.ConfigError: missing",
        ]
    )
    chain = parse_causes(text)
    assert chain is not None
    assert [(c.exception, c.short, c.message) for c in chain.causes] == [
        ("KeyError", "KeyError", "'STRIPE_API_KEY'"),
        ("billing.errors.ConfigError", "ConfigError", "missing"),
    ]


def test_python_with_literal_newlines_and_a_single_exception_is_a_chain_of_one() -> None:
    text = (
        "Traceback (most recent call last):\\n"
        '  File "/app/main.py", line 3, in <module>\\n'
        "    import stripe\\n"
        "ModuleNotFoundError: No module named 'stripe'\\n"
    )
    chain = parse_causes(text)
    assert chain is not None and len(chain.causes) == 1
    assert chain.root is chain.outermost
    assert (chain.root.exception, chain.root.frames) == ("ModuleNotFoundError", ("/app/main.py",))


def test_python_flattened_onto_one_line_keeps_both_causes() -> None:
    text = (
        'Traceback (most recent call last): File "/app/db.py", line 9, in connect conn = pool.get() '
        "OSError: [Errno 111] Connect call failed ('10.8.0.3', 5432) The above exception was the direct "
        'cause of the following exception: Traceback (most recent call last): File "/app/main.py", line 30, '
        "in lifespan await connect() RuntimeError: Database unreachable"
    )
    chain = parse_causes(text)
    assert chain is not None
    assert [c.exception for c in chain.causes] == ["OSError", "RuntimeError"]
    assert chain.root.frames == ("/app/db.py",)


def test_a_traceback_cut_before_its_exception_line_has_no_cause() -> None:
    text = "\n".join(
        ["Traceback (most recent call last):", '  File "/app/main.py", line 3, in <module>', "    import x"]
    )
    assert parse_causes(text) is None


def test_java_caused_by_root_is_the_last_printed() -> None:
    text = "\n".join(
        [
            "2025-09-15T18:40:11.233Z ERROR 1 --- [           main] o.s.boot.SpringApplication"
            "               : Application run failed",
            "org.springframework.beans.factory.BeanCreationException: Error creating bean with name "
            "'dataSource' defined in class path resource [com/acme/orders/DbConfig.class]: Failed to "
            "instantiate [javax.sql.DataSource]",
            "\tat org.springframework.beans.factory.support.ConstructorResolver.instantiate("
            "ConstructorResolver.java:657)",
            "\tat com.acme.orders.OrdersApplication.main(OrdersApplication.java:12)",
            "Caused by: org.springframework.beans.BeanInstantiationException: Failed to instantiate "
            "[com.zaxxer.hikari.HikariDataSource]",
            "\tat org.springframework.beans.BeanUtils.instantiateClass(BeanUtils.java:185)",
            "\t... 21 common frames omitted",
            "Caused by: java.net.ConnectException: Connection refused",
            "\tat java.base/sun.nio.ch.Net.pollConnect(Native Method)",
            "\tat org.postgresql.core.PGStream.<init>(PGStream.java:93)",
            "\t... 34 common frames omitted",
        ]
    )
    chain = parse_causes(text)
    assert chain is not None and chain.language is Language.JAVA
    assert [c.short for c in chain.causes] == [
        "ConnectException",
        "BeanInstantiationException",
        "BeanCreationException",
    ]
    assert chain.root.message == "Connection refused"
    assert chain.root.frames == ("java.base/sun.nio.ch.Net", "org.postgresql.core.PGStream")
    assert chain.outermost.frames[-1] == "com.acme.orders.OrdersApplication"


def test_dotnet_inner_exceptions_root_is_the_innermost() -> None:
    text = "\n".join(
        [
            "Unhandled exception. System.InvalidOperationException: An error occurred while migrating the "
            "database.",
            " ---> Npgsql.NpgsqlException (0x80004005): Failed to connect to 10.8.0.3:5432",
            " ---> System.Net.Sockets.SocketException (111): Connection refused",
            "   at System.Net.Sockets.Socket.DoConnect(EndPoint endPointSnapshot, SocketAddress socketAddress)",
            "   at Npgsql.Internal.NpgsqlConnector.Connect(NpgsqlTimeout timeout)",
            "   --- End of inner exception stack trace ---",
            "   at Npgsql.Internal.NpgsqlConnector.Open(NpgsqlTimeout timeout, Boolean async)",
            "   --- End of inner exception stack trace ---",
            "   at Orders.Api.Program.Main(String[] args) in /src/Orders.Api/Program.cs:line 31",
        ]
    )
    chain = parse_causes(text)
    assert chain is not None and chain.language is Language.DOTNET
    assert [c.exception for c in chain.causes] == [
        "System.Net.Sockets.SocketException",
        "Npgsql.NpgsqlException",
        "System.InvalidOperationException",
    ]
    assert chain.root.message == "Connection refused"
    assert chain.root.frames == ("System.Net.Sockets.Socket", "Npgsql.Internal.NpgsqlConnector")
    assert chain.outermost.frames == ("Orders.Api.Program",)


def test_node_cause_root_is_the_deepest() -> None:
    text = "\n".join(
        [
            "Error: Failed to start server",
            "    at start (/app/dist/server.js:41:11)",
            "    at async main (/app/dist/index.js:8:3) {",
            "  [cause]: Error: connect ECONNREFUSED 10.8.0.3:5432",
            "      at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16) {",
            "    errno: -111,",
            "    code: 'ECONNREFUSED',",
            "    syscall: 'connect',",
            "    address: '10.8.0.3',",
            "    port: 5432",
            "  }",
            "}",
        ]
    )
    chain = parse_causes(text)
    assert chain is not None and chain.language is Language.NODE
    assert [(c.exception, c.message) for c in chain.causes] == [
        ("Error", "connect ECONNREFUSED 10.8.0.3:5432"),
        ("Error", "Failed to start server"),
    ]
    assert chain.root.frames == ("node:net",)
    assert chain.outermost.frames == ("/app/dist/server.js", "/app/dist/index.js")


@pytest.mark.parametrize(
    "text",
    [
        "INFO:     Application startup complete.",
        "Container called exit(1).",
        "KeyError seen in handler, retrying",
        "",
    ],
)
def test_text_without_a_trace_has_no_chain(text: str) -> None:
    assert parse_causes(text) is None


def test_real_chained_startup_traceback_root_is_the_connection_failure() -> None:
    path = real_corpus() / "raw" / "06_netra_backend_local_startup.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.endswith("Traceback (most recent call last):"))
    end = next(i for i, line in enumerate(lines) if line.startswith("SystemExit: 3"))
    chain = parse_causes("\n".join(lines[start : end + 1]))
    assert chain is not None
    assert chain.root.exception == "OSError"
    assert "Connect call failed" in chain.root.message
    assert chain.outermost.exception == "SystemExit"
    assert [c.short for c in chain.causes][1:] == [
        "RuntimeError",
        "DeterministicStartupError",
        "DeterministicStartupError",
        "DeterministicStartupError",
        "SystemExit",
    ]
