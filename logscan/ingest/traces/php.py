"""PHP: ``PHP Fatal error:  Uncaught X: message in /path:12``, ``Stack trace:``, ``#0 ...`` frames, ``thrown in
... on line N``, ``Next X`` for chained exceptions, and Laravel's ``[stacktrace]`` log blocks."""

from logscan.ingest.traces.shape import Shape

_STAMP = r"(?:\[[^\]\n]{5,40}\] )?"
_TYPE = r"[A-Za-z_][\w\\]*"

SHAPE = Shape(
    language="php",
    opener=rf"{_STAMP}(?:PHP )?(?:Fatal error|Parse error|Warning): +Uncaught ",
    continuation=(
        r"Stack trace:$|#\d+ |\s*thrown in \S[^\n]* on line \d+$|Next [A-Z][\w\\]*(?:: |$)|\[stacktrace\]$"
        r"|\[previous exception\] "
    ),
    exception=(
        rf"{_STAMP}(?:PHP )?(?:Fatal error|Parse error): +Uncaught (?P<type>{_TYPE})(?:: (?P<message>[^\n]*?))?"
        r" in \S+:\d+",
        rf"{_STAMP}(?:PHP )?(?P<type>Fatal error|Parse error): +(?P<message>[^\n]*)",
        rf"\[[^\]\n]+\] \w+\.(?:ERROR|CRITICAL|ALERT|EMERGENCY): (?P<message>[^\n{{]*?) "
        rf'\{{"exception":"\[object\] \((?P<type>{_TYPE})\(code: ',
    ),
    frame=r"#\d+ (?P<file>[^(\s]+)\(\d+\): (?P<function>[\w\\:>-]+)\(",
    library=r"/vendor/",
    detect=(
        rf"^{_STAMP}(?:PHP )?(?:Fatal|Parse) error: |^#\d+ \S+\.php\(\d+\)|^\[stacktrace\]"
        r"|^\s*thrown in \S[^\n]* on line \d+$"
    ),
)
