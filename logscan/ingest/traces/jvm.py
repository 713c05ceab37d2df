"""Java, Kotlin and the other JVM languages: ``Exception in thread``, ``at pkg.Class.method(File.java:12)``,
``Caused by:``, ``... N more``, and Spring Boot's ``APPLICATION FAILED TO START`` block."""

from logscan.ingest.traces.shape import Shape

_TYPE = r"(?:[a-z_][\w$]*\.)+[A-Z][\w$]*"
_LIBRARIES = (
    "java|javax|jakarta|jdk|sun|com\\.sun|kotlin|kotlinx|scala|akka|groovy|org\\.springframework|org\\.apache"
    "|org\\.hibernate|com\\.fasterxml|io\\.netty|reactor|io\\.grpc|com\\.google|org\\.eclipse|io\\.micronaut"
    "|io\\.quarkus|org\\.jboss|ch\\.qos|org\\.slf4j|io\\.ktor|okhttp3|org\\.postgresql|com\\.zaxxer|org\\.glassfish"
    "|io\\.undertow|com\\.mysql|org\\.flywaydb|liquibase|io\\.vertx|org\\.junit|io\\.smallrye|org\\.mariadb"
)

SHAPE = Shape(
    language="jvm",
    opener=r'Exception in thread "[^"\n]*" |\*{20,}$',
    continuation=(
        r"\s*at [\w$.<>/]+\(|Caused by: |\s*Suppressed: |\s*\.\.\. \d+ (?:more|common frames omitted)"
        r"|\s*Wrapped by: |APPLICATION FAILED TO START$|\*{20,}$|(?:Description|Action):$"
    ),
    exception=(
        rf'(?:Exception in thread "[^"\n]*" )?(?P<type>{_TYPE}(?:Exception|Error|Throwable|Failure|Fault))'
        r"(?:: (?P<message>[^\n]*))?$",
        rf'Exception in thread "[^"\n]*" (?P<type>{_TYPE})(?:: (?P<message>[^\n]*))?$',
    ),
    frame=r"\s+at (?P<function>[\w$.<>/-]+)\((?P<file>[^:)\n]*)",
    library=rf"^(?:[\w.-]+/)?(?:{_LIBRARIES})\.|\$\$(?:EnhancerBySpring|SpringCGLIB)",
    detect=(
        r"^\s+at [\w$.<>/-]+\((?:[\w$-]+\.(?:java|kt|scala|groovy|clj):\d+|Native Method|Unknown Source)\)"
        r'|^Exception in thread "|^Caused by: [a-z]'
    ),
)
