""".NET: ``Unhandled exception.``, `` ---> `` inner exceptions, ``--- End of inner exception stack trace ---``,
``at Ns.Class.Method() in /src/x.cs:line 12``, and ASP.NET Core's ``fail:``/``crit:`` console blocks."""

from logscan.ingest.traces.shape import Shape

_TYPE = r"(?:[A-Z]\w*\.)+[A-Z]\w*"
_LIBRARIES = (
    "System|Microsoft|Npgsql|Newtonsoft|Grpc|Google|Azure|Amazon|StackExchange|MySqlConnector|Dapper|Serilog"
    "|MongoDB|Polly|Hangfire|Swashbuckle|AutoMapper|MediatR|FluentValidation|Pomelo|Oracle|RabbitMQ|Npgsql"
)

SHAPE = Shape(
    language="dotnet",
    opener=r"Unhandled [Ee]xception\. |(?:fail|crit): [\w.]+\[\d+\]",
    # Frames continue a trace with or without their file (a build without PDBs prints none), and so does
    # the "File name: '...'" line a FileNotFoundException puts between its message and its frames.
    continuation=(
        r"\s*---> |\s*--- End of (?:inner exception )?stack trace|\s+at [^\n]+ in [^\n]+:line \d+"
        r"|\s+at [\w.`<>$]+(?:\[[\w,. `]*\])?\([^\n]*\)$|File name: '[^'\n]+'$"
    ),
    exception=(
        rf"(?:Unhandled [Ee]xception\. |[ \t]+)?(?P<type>{_TYPE}(?:Exception|Error))(?:: (?P<message>[^\n]*))?$",
    ),
    frame=r"\s+at (?P<function>[^\s(]+)\([^\n]*?\)(?: in (?P<file>[^\n]+):line \d+)?$",
    library=rf"^(?:{_LIBRARIES})\.",
    detect=r":line \d+$|^Unhandled [Ee]xception\. |---> System\.|^\s+at (?:System|Microsoft)\.|--- End of stack trace",
)
