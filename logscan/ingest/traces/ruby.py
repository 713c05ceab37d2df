"""Ruby: the uncaught exception line ``app.rb:3:in 'm': message (Type)``, its ``from ...:in`` backtrace,
Rails' ``rails aborted!`` block (``Tasks: TOP =>``, ``(See full trace ...)``) and bare backtrace lines."""

from logscan.ingest.traces.shape import Shape

_TYPE = r"(?:[A-Z]\w*::)*[A-Z]\w*"

SHAPE = Shape(
    language="ruby",
    opener=rf"\S+:\d+:in [`'][^\n]*\({_TYPE}\)$|(?:bin/)?rails aborted!$",
    continuation=(
        r"\s*from \S+:\d+:in |\S+\.rb:\d+:in |Tasks: TOP => |\(See full trace by running task with --trace\)$"
        r"|(?:[A-Z]\w*::)+[A-Z]\w*: "
    ),
    exception=(
        rf"\S+:\d+:in [`'][^\n]*?': (?P<message>[^\n]*) \((?P<type>{_TYPE})\)$",
        rf"(?P<type>{_TYPE}): (?P<message>[^\n]*)$",
    ),
    frame=r"\s*(?:from )?(?P<file>[^\s:]+\.rb):\d+:in [`'](?P<function>[^'`\n]+)'",
    library=r"/gems/|/bundle/|/vendor/|/lib/ruby/\d|<internal:|/rubygems/",
    detect=r"\.rb:\d+:in [`']|^(?:bin/)?rails aborted!",
)
