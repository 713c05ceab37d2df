"""What a fetch reads: one revision's four Cloud Run logs in one project over one window, as the exact
Cloud Logging filter that is sent.

The filter is always written out in full, time window included, because the client adds a 24-hour window
to any filter without one. revision_query checks the shape of the names before anything is sent, and names
the option to fix when one is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from logscan.errors import InputError
from logscan.sources.cloud.window import Window, rfc3339

CLOUD_RUN_LOGS = (
    "run.googleapis.com%2Fstdout",
    "run.googleapis.com%2Fstderr",
    "run.googleapis.com%2Fvarlog%2Fsystem",
    "run.googleapis.com%2Frequests",
)
SEVERITIES = ("DEFAULT", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY")

_REVISION = re.compile(r"(?P<service>[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)-\d{5}-[a-z0-9]+")
_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_PROJECT = re.compile(r"(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]")


@dataclass(frozen=True)
class RevisionQuery:
    """What to read: one revision's four Cloud Run logs in one project over one window."""

    project: str
    """Google Cloud project ID."""
    revision: str
    """Cloud Run revision name."""
    service: str
    """Cloud Run service name."""
    window: Window
    """The time window, always written into the filter."""
    severity: str | None = None
    """Optional severity floor (severity>=X)."""
    region: str | None = None
    """Optional Cloud Run region (resource.labels.location), for a service deployed in several."""

    @property
    def resource_names(self) -> tuple[str, ...]:
        """The resourceNames of the entries.list request."""
        return (f"projects/{self.project}",)

    @property
    def filter(self) -> str:
        """The exact Cloud Logging filter sent (and shown with -v and in the report)."""
        return self.filter_from(rfc3339(self.window.start))

    def filter_from(self, since: str, bounded: bool = True) -> str:
        """The filter with its lower time bound moved to ``since`` (to resume after a failed page);
        ``bounded=False`` leaves out the upper bound (a tail stream, which has no end)."""
        clauses = [
            'resource.type="cloud_run_revision"',
            f'resource.labels.service_name="{self.service}"',
            f'resource.labels.revision_name="{self.revision}"',
            *([f'resource.labels.location="{self.region}"'] if self.region else []),
            f'timestamp>="{since}"',
            *([f'timestamp<"{rfc3339(self.window.end)}"'] if bounded else []),
            cloud_run_logs_clause(self.project),
        ]
        if self.severity:
            clauses.append(f"severity>={self.severity}")
        return " AND ".join(clauses)

    @property
    def logs_explorer_url(self) -> str:
        """A Logs Explorer link that opens the same query over the same window."""
        time_range = quote(f"{rfc3339(self.window.start)}/{rfc3339(self.window.end)}", safe="")
        return (
            f"https://console.cloud.google.com/logs/query;query={quote(self.filter, safe='')}"
            f";timeRange={time_range}?project={quote(self.project, safe='')}"
        )

    @property
    def source_name(self) -> str:
        """The label reports use for this input."""
        return f"cloud-logging:{self.project}/{self.revision}"


def cloud_run_logs_clause(project: str) -> str:
    """The parenthesized OR of Cloud Run's four logs (stdout, stderr, varlog/system, requests) in ``project``."""
    logs = " OR ".join(f'logName="projects/{project}/logs/{log}"' for log in CLOUD_RUN_LOGS)
    return f"({logs})"


def revision_query(
    project: str,
    revision: str,
    window: Window,
    service: str | None = None,
    severity: str | None = None,
    region: str | None = None,
) -> RevisionQuery:
    """A checked RevisionQuery; the service comes from ``<service>-<5 digits>-<suffix>`` unless given."""
    if not _PROJECT.fullmatch(project):
        raise InputError(f"--project {project!r}: not a Google Cloud project ID (like my-project-123).")
    if not _NAME.fullmatch(revision):
        raise InputError(
            f"--revision {revision!r}: not a Cloud Run revision name (like orders-api-00007-qaz)."
        )
    if service is None:
        m = _REVISION.fullmatch(revision)
        if not m:
            raise InputError(
                f"--revision {revision}: cannot tell the service from the name (expected <service>-<5 digits>-<suffix>). "
                "Pass --service."
            )
        service = m.group("service")
    elif not _NAME.fullmatch(service):
        raise InputError(
            f"--service {service!r}: not a Cloud Run service name (lowercase letters, digits, -)."
        )
    if severity is not None:
        severity = severity.upper()
        if severity not in SEVERITIES:
            raise InputError(f"--severity {severity}: expected one of {', '.join(SEVERITIES)}.")
    if region is not None and not _NAME.fullmatch(region):
        raise InputError(f"--region {region!r}: not a Cloud Run region (like europe-west1).")
    return RevisionQuery(
        project=project, revision=revision, service=service, window=window, severity=severity, region=region
    )
