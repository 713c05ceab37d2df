"""Go: ``panic:`` or ``fatal error:``, ``[signal ...]``, ``goroutine N [running]:``, function lines with their
``\\t/path/file.go:12 +0x1d`` lines, ``created by``, and ``exit status 2`` from ``go run``."""

from logscan.ingest.traces.shape import Shape

_FUNCTION = r"(?:[\w.-]+/)*[\w.-]+\.(?:\(\*?[\w\[\]]+\)\.)?[\w.\[\]]+"
_LIBRARIES = (
    r"^(?:runtime|internal|syscall|reflect|sync|net|os|io|fmt|encoding|database|crypto|context|log|strings"
    r"|strconv|testing|time|bufio|bytes|errors|math|sort|text|html|mime|compress|regexp|path)[./]"
    r"|/go/pkg/mod/|/usr/local/go/|/vendor/"
    r"|^(?:golang\.org|google\.golang\.org|cloud\.google\.com|go\.opentelemetry\.io|gopkg\.in|go\.uber\.org)/"
    r"|^github\.com/(?:gin-gonic|labstack|gorilla|go-chi|jackc|lib/pq|spf13|grpc-ecosystem|sirupsen|gofiber"
    r"|valyala|redis|go-redis|aws|jmoiron|go-sql-driver|urfave)/"
)

SHAPE = Shape(
    language="go",
    opener=r"panic: |fatal error: |goroutine \d+ \[[^\]\n]*\]:$",
    continuation=(
        r"\[signal |goroutine \d+ \[[^\]\n]*\]:$|created by |exit status \d+$|\s*panic: |\[recovered\]"
        r"|\s*\S+\.go:\d+(?: \+0x[0-9a-f]+)?$"
        rf"|{_FUNCTION}\([^\n]*\)$"
    ),
    exception=(r"(?P<type>panic|fatal error): (?P<message>[^\n]*)",),
    frame=rf"(?P<function>{_FUNCTION})\([^\n]*\)\n\s*(?P<file>[^\s:]+\.go):\d+",
    library=_LIBRARIES,
    detect=r"^goroutine \d+ \[|^panic: |^fatal error: |\.go:\d+ \+0x",
)
