"""BigQuery through the official client (google-cloud-bigquery): dry runs, queries, paged results, and what
its failures mean for a Log Analytics view.

Application Default Credentials, or anonymous ones for an ``http://`` endpoint (a local fake), as for Cloud
Logging (client.py). The page size is written out, never left to the client's default. The Google
libraries are imported inside the functions, so importing logscan does not pay for them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from logscan.errors import FetchError, InputError

ENDPOINT_ENV = "LOGSCAN_BIGQUERY_ENDPOINT"
"""Environment variable naming a BigQuery endpoint (a local fake) when --endpoint is not given."""
DEFAULT_ENDPOINT = "https://bigquery.googleapis.com"
PAGE_SIZE = 10_000
"""Rows per getQueryResults page."""
_CREDENTIALS_TIP = "Tip: gcloud auth application-default login"


class BucketNotUpgradedError(FetchError):
    """The log bucket's Log Analytics view does not exist: the bucket is not upgraded."""


class NoLinkedDatasetError(FetchError):
    """The linked BigQuery dataset named by --table does not exist."""


class QueryPermissionError(FetchError):
    """The caller may not run BigQuery jobs or read the view."""


class OverMaxBytesError(FetchError):
    """The dry run says the query would scan more than --max-bytes."""


class QueryFailedError(FetchError):
    """BigQuery refused or failed the query for another reason."""


@dataclass(frozen=True)
class QueryRun:
    """A finished query: its rows, as plain mappings, and what BigQuery says it processed."""

    rows: Iterator[Mapping[str, Any]]
    """The result rows, page by page as they are read."""
    bytes_processed: int
    """Bytes the query processed (what the user pays for)."""


class BigQuery:
    """One client for one project's queries against one view."""

    def __init__(self, project: str, table: str, endpoint: str | None = None) -> None:
        import google.auth.exceptions
        from google.auth.credentials import AnonymousCredentials
        from google.cloud.bigquery import Client

        api_endpoint = (endpoint or DEFAULT_ENDPOINT).rstrip("/")
        if not api_endpoint.startswith(("http://", "https://")):
            raise InputError(f"--endpoint {endpoint}: expected an http:// or https:// URL.")
        anonymous = api_endpoint.startswith("http://")
        self.project = project
        self.table = table
        try:
            self._client = Client(
                project=project,
                credentials=AnonymousCredentials() if anonymous else None,  # type: ignore[no-untyped-call]
                client_options={"api_endpoint": api_endpoint},
            )
        except google.auth.exceptions.DefaultCredentialsError:
            raise QueryPermissionError(
                f"No Google Cloud credentials found to query project {project}'s logs in BigQuery. "
                f"{_CREDENTIALS_TIP}"
            ) from None

    def dry_run(self, sql: str) -> int:
        """Bytes the query would process (BigQuery's dry run: nothing is billed)."""
        from google.cloud.bigquery import QueryJobConfig

        config = QueryJobConfig(dry_run=True, use_query_cache=False)
        try:
            job = self._client.query(sql, job_config=config)
        except Exception as exc:
            raise self._failure(exc) from None
        return int(job.total_bytes_processed or 0)

    def run(self, sql: str, max_bytes: int | None) -> QueryRun:
        """Run the query (billed at most max_bytes, when given) and page through its rows."""
        from google.cloud.bigquery import QueryJobConfig

        config = QueryJobConfig(maximum_bytes_billed=max_bytes, use_query_cache=True)
        try:
            job = self._client.query(sql, job_config=config)
            pages = job.result(page_size=PAGE_SIZE)
        except Exception as exc:
            raise self._failure(exc) from None
        return QueryRun(rows=self._rows(pages), bytes_processed=int(job.total_bytes_processed or 0))

    def _rows(self, pages: Any) -> Iterator[Mapping[str, Any]]:
        try:
            for row in pages:
                yield dict(row.items())
        except Exception as exc:
            raise self._failure(exc) from None

    def _failure(self, exc: Exception) -> Exception:
        """The LogscanError a client failure stands for (anything unforeseen is returned as it is)."""
        from google.api_core import exceptions as gexc
        from google.auth import exceptions as auth_exc

        message = _api_message(exc)
        parts = self.table.split(".")
        if isinstance(exc, gexc.NotFound):
            if len(parts) == 4:
                project, location, bucket, _view = parts
                return BucketNotUpgradedError(
                    f"{self.table}: not found ({message}). The log bucket {bucket} is not upgraded to Log "
                    f"Analytics. Tip: gcloud logging buckets update {bucket} --location={location} "
                    f"--enable-analytics --project={project}, or pass --table naming an upgraded bucket's view."
                )
            bucket_hint = "BUCKET --location=LOCATION"
            return NoLinkedDatasetError(
                f"{self.table}: not found ({message}). No linked BigQuery dataset by that name. Tip: gcloud "
                f"logging links create {parts[-2] if len(parts) > 1 else 'DATASET'} --bucket={bucket_hint} "
                f"--project={self.project}, or pass --table PROJECT.LOCATION.BUCKET._AllLogs."
            )
        if isinstance(exc, gexc.Forbidden):
            return QueryPermissionError(
                f"Permission denied querying {self.table} in BigQuery ({message}). Tip: grant "
                f"roles/bigquery.jobUser on project {self.project} and roles/logging.viewAccessor on the "
                "bucket's view (or roles/bigquery.dataViewer on the linked dataset)."
            )
        if isinstance(exc, gexc.Unauthorized | auth_exc.RefreshError | auth_exc.DefaultCredentialsError):
            return QueryPermissionError(
                f"The credentials were refused while querying {self.table}. {_CREDENTIALS_TIP}"
            )
        if isinstance(exc, gexc.BadRequest) and "bytes billed" in message.lower():
            return OverMaxBytesError(
                f"BigQuery stopped the query over {self.table} at the --max-bytes limit ({message}). "
                "Narrow --since/--until, or raise --max-bytes."
            )
        if isinstance(exc, gexc.GoogleAPICallError):
            return QueryFailedError(
                f"BigQuery refused the query over {self.table} ({exc.code}: {message}). "
                "Tip: print it with logscan sql --dialect bigquery and try it in the BigQuery console."
            )
        return exc


def _api_message(exc: Exception) -> str:
    """BigQuery's own one-line reason (the client's text also holds the URL, location and job id)."""
    errors = getattr(exc, "errors", None)
    if errors and isinstance(errors[0], Mapping) and errors[0].get("message"):
        return str(errors[0]["message"]).splitlines()[0].rstrip(".")
    text = str(getattr(exc, "message", "") or exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__).rstrip(".")


def check_max_bytes(scanned: int, max_bytes: int | None, table: str) -> None:
    """Refuse a query whose dry run is over --max-bytes (the user pays per byte)."""
    if max_bytes is not None and scanned > max_bytes:
        raise OverMaxBytesError(
            f"The query over {table} would scan {scanned:,} bytes, over --max-bytes {max_bytes:,}. "
            "Narrow --since/--until, or raise --max-bytes."
        )
