"""The Cloud Logging module: the only one that imports ``google.cloud`` (and the google-auth and
google-api-core libraries beneath it), and the one place that knows what their failures mean.

It talks to ``entries.list`` through the library's JSON-over-HTTP transport
(``google.cloud.logging_v2._http.Connection``) for every endpoint, because that transport hands back each
entry exactly as the API serialises it: camelCase, every field kept (receiveTimestamp, errorGroups,
split...), the same objects ``gcloud logging read --format=json`` prints. The library's LogEntry objects
drop several of those fields, so entries are taken before that conversion.

The Google libraries are imported inside the functions, so importing logscan (and parsing a command
line) does not pay for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from logscan.errors import FetchError, InputError, NoEntries
from logscan.sources.cloud.options import DEFAULT_ENDPOINT, FetchOptions

_CREDENTIALS_TIP = "Tip: gcloud auth application-default login"


class CredentialsError(FetchError):
    """No usable Application Default Credentials."""


class PermissionDeniedError(FetchError):
    """The caller may not read the project's logs."""


class UnknownProjectError(FetchError):
    """Cloud Logging does not know the project."""


class NoEntriesError(FetchError, NoEntries):
    """The window holds no entries of the revision."""


class RefusedError(FetchError):
    """Nothing listens at the endpoint: retrying for minutes, as for a quota, cannot help."""


REFUSED_ATTEMPTS = 3
"""Tries before a refused connection is reported (a local emulator may still be starting)."""
REFUSED_PAUSE = 0.2
"""Seconds between those tries."""


def refused(exc: BaseException) -> bool:
    """The request failed because the connection was refused (by the endpoint's host, or a proxy)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        cause = todo.pop()
        if cause is None or id(cause) in seen or len(seen) > 16:
            continue
        seen.add(id(cause))
        if isinstance(cause, ConnectionRefusedError):
            return True
        reason = getattr(cause, "reason", None)  # urllib3 keeps the socket error there
        todo += [cause.__cause__, cause.__context__, reason if isinstance(reason, BaseException) else None]
        todo += [a for a in cause.args if isinstance(a, BaseException)]
    return False


def refused_error(endpoint: str, attempts: int) -> RefusedError:
    """The one-line error for a refused connection, naming the endpoint."""
    return RefusedError(
        f"Nothing answers at {endpoint}: the connection was refused ({attempts} attempts). "
        "Check --endpoint (or LOGSCAN_LOGGING_ENDPOINT), or start the emulator it names."
    )


class ReadFailedError(FetchError):
    """Retries were exhausted, or the API answered in a way that cannot be retried."""


# --- the client ----------------------------------------------------------------------------------------


def make_client(project: str, endpoint: str | None) -> Any:
    """A google.cloud.logging.Client on the HTTP transport: anonymous for an http:// endpoint (an emulator
    or a local fake), Application Default Credentials otherwise."""
    import google.auth.exceptions
    import google.cloud.logging
    from google.auth.credentials import AnonymousCredentials

    api_endpoint = (endpoint or DEFAULT_ENDPOINT).rstrip("/")
    if not api_endpoint.startswith(("http://", "https://")):
        raise InputError(f"--endpoint {endpoint}: expected an http:// or https:// URL.")
    anonymous = api_endpoint.startswith("http://")
    credentials = AnonymousCredentials() if anonymous else None  # type: ignore[no-untyped-call]
    try:
        return google.cloud.logging.Client(  # type: ignore[no-untyped-call]
            project=project,
            credentials=credentials,
            _use_grpc=False,
            client_options={"api_endpoint": api_endpoint},
        )
    except google.auth.exceptions.DefaultCredentialsError:
        raise CredentialsError(
            f"No Google Cloud credentials found to read project {project}'s logs. {_CREDENTIALS_TIP}"
        ) from None


Transport = Callable[[dict[str, Any], float], Mapping[str, Any]]
"""Sends one entries.list body with a timeout and returns the decoded response."""


def client_transport(client: Any) -> Transport:
    """entries.list through the client's own REST connection, which signs, retries nothing, and raises
    google.api_core exceptions for HTTP errors."""

    def send(body: dict[str, Any], timeout: float) -> Mapping[str, Any]:
        response = client._connection.api_request(
            method="POST", path="/entries:list", data=body, timeout=timeout
        )
        return response if isinstance(response, Mapping) else {}

    return send


# --- what a failed request means -----------------------------------------------------------------------


def classify_failure(exc: Exception, project: str, options: FetchOptions) -> str:
    """A short reason for a transient failure of a request for ``project``'s logs (it is retried); fatal
    ones raise a FetchError instead, and anything unforeseen is raised again as it is."""
    from google.api_core import exceptions as gexc
    from google.auth import exceptions as auth_exc
    from requests import exceptions as rexc

    if isinstance(exc, gexc.Forbidden):
        raise PermissionDeniedError(
            f"Permission denied reading the logs of project {project} ({_api_message(exc)}). "
            f"Tip: grant roles/logging.viewer: gcloud projects add-iam-policy-binding {project} "
            "--member=user:YOU@example.com --role=roles/logging.viewer"
        ) from None
    if isinstance(exc, gexc.NotFound):
        raise UnknownProjectError(
            f"Cloud Logging does not know project {project} ({_api_message(exc)}). "
            + ("Tip: check --project (and --endpoint); " if options.endpoint else "Tip: check --project; ")
            + "list your projects with: gcloud projects list"
        ) from None
    if isinstance(exc, gexc.Unauthorized | auth_exc.RefreshError | auth_exc.DefaultCredentialsError):
        raise CredentialsError(
            f"The credentials were refused while reading project {project}'s logs. {_CREDENTIALS_TIP}"
        ) from None
    if isinstance(exc, gexc.TooManyRequests):
        return "429 RESOURCE_EXHAUSTED (quota)"
    if isinstance(exc, gexc.ServiceUnavailable | gexc.InternalServerError | gexc.GatewayTimeout):
        return f"{exc.code} {type(exc).__name__}"
    if isinstance(exc, gexc.BadGateway):
        return "502 BadGateway"
    if isinstance(exc, gexc.GoogleAPICallError):
        raise ReadFailedError(
            f"Cloud Logging refused the query ({exc.code}: {_api_message(exc)}). "
            "Tip: rerun with -v to see the filter, and check --project, --revision and --severity."
        ) from None
    if isinstance(exc, rexc.Timeout):
        return f"no answer within {options.timeout:g}s"
    if isinstance(exc, rexc.InvalidURL | rexc.MissingSchema | rexc.InvalidSchema):
        raise ReadFailedError(f"--endpoint {options.api_endpoint}: {exc}. Pass an http(s):// URL.") from None
    if isinstance(exc, rexc.JSONDecodeError):
        return _not_json(str(getattr(exc, "doc", "") or ""))
    if isinstance(exc, rexc.RequestException | auth_exc.TransportError | ConnectionError | ValueError):
        return f"connection lost ({type(exc).__name__})"
    raise exc


NOT_JSON = "the server answered with"
"""How the reason for a page that is not JSON starts (the source picks its tip by it)."""
_TITLE = re.compile(r"<title[^>]*>\s*([^<]{1,80}?)\s*</title>", re.IGNORECASE)


def _not_json(body: str) -> str:
    """Name what came instead of a JSON page: an HTML page (with its title), an empty body, or cut-short JSON."""
    head = body.lstrip()
    if not head:
        return f"{NOT_JSON} an empty body instead of JSON"
    if head.startswith("<"):
        title = _TITLE.search(head[:4000])
        named = f' ("{" ".join(title.group(1).split())}")' if title else ""
        return f"{NOT_JSON} an HTML page{named} instead of JSON"
    if head.startswith(("{", "[")):
        return f"{NOT_JSON} JSON that is cut short or malformed ({len(body):,} bytes)"
    sample = " ".join(head[:40].split())
    more = "..." if len(head) > 40 else ""
    return f"{NOT_JSON} text that is not JSON ({sample!r}{more})"


def _api_message(exc: Any) -> str:
    message = getattr(exc, "message", "") or str(exc)
    return str(message).rstrip(".")
