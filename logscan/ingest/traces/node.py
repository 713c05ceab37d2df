"""Node.js: the ``file.js:12`` / ``throw err;`` / ``^`` prelude, ``Error: message``, ``Require stack:``,
``    at fn (file.js:1:2)`` frames, ``[cause]:`` inner errors, the ``{ code: ... }`` block and ``Node.js vNN``."""

from logscan.ingest.traces.shape import Shape

_TYPE = r"(?:[A-Z]\w*)?(?:Error|Exception)"

SHAPE = Shape(
    language="node",
    opener=(
        r"(?:node:internal/[\w/]+|internal/[\w/]+\.js|/\S+\.[cm]?[jt]sx?|file:///\S+):\d+$"
        r"|\[UnhandledPromiseRejection: "
    ),
    continuation=(
        r"Require stack:$|- (?:/|[A-Za-z]:\\)\S+$|Node\.js v\d+|\}$|\s*\[cause\]: |\s+at "
        r"|at [^\n]+:\d+:\d+\)?(?: \{)?$|throw \w[^\n]{0,80};$|\^$"
        r"|(?:code|errno|syscall|address|port|path|requireStack|status|reason|hostname|dest|info): [^\n]{1,300}$"
        r"|\[\w*(?:Error|Rejection|Exception)\w*[:\]]"
    ),
    exception=(
        rf"(?:Uncaught )?(?P<type>{_TYPE})(?: \[[A-Z_\d]+\])?: (?P<message>[^\n]*)$",
        r"\[(?P<type>UnhandledPromiseRejection): (?P<message>[^\n]*)",
    ),
    frame=(
        r"\s*at (?:(?:async )?(?P<function>[^\s(][^(\n]*?) \()?"
        r"(?P<file>(?:node:|file://|/|[A-Za-z]:\\|\w)[^\s()]*?):\d+:\d+\)?(?: \{)?$"
    ),
    library=r"node_modules/|(?:^| )node:|(?:^| )internal/",
    detect=r"^\s*at [^\n]+:\d+:\d+\)?(?: \{)?$|^Require stack:|^node:internal/|^Node\.js v\d+|\[UnhandledPromiseRejection",
)
