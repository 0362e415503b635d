"""Turn botocore failures into AwsError messages a newcomer can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore import exceptions as boto_errors
from botocore.parsers import ResponseParserError

from clusterwiz.core.errors import AwsError
from clusterwiz.core.hints import AWS_SERVER_ERROR, AWS_SERVER_ERROR_CODES

CREDENTIALS_HELP = (
    "set credentials with `aws configure` (access key) or `aws configure sso` then `aws sso login`, "
    "or pass --profile NAME; for a trial without an account use --sandbox"
)
ACCESS_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
                       "UnauthorizedAccess"}
BAD_CREDENTIAL_CODES = {"AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException",
                        "InvalidAccessKeyId"}
EXPIRED_CODES = {"ExpiredToken", "ExpiredTokenException", "RequestExpired"}
THROTTLE_CODES = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
                  "RequestThrottled", "SlowDown"}
REGION_DISABLED_CODES = {"OptInRequired", "InvalidRegion"}


def error_code(error: BaseException) -> str:
    if isinstance(error, boto_errors.ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return ""


def http_status(error: BaseException) -> int:
    if isinstance(error, boto_errors.ClientError):
        return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return 0


def translate(error: BaseException, permission: str, region: str | None = None) -> AwsError:
    """The AwsError for a failed call that needed `permission` (e.g. 'ec2:DescribeVpcs')."""
    where = f" in {region}" if region else ""
    if isinstance(error, boto_errors.NoCredentialsError | boto_errors.PartialCredentialsError):
        return AwsError(f"no AWS credentials were found; {CREDENTIALS_HELP}")
    if isinstance(error, boto_errors.ProfileNotFound):
        return AwsError(f"{error}; list your profiles with `aws configure list-profiles` or create one with "
                        "`aws configure --profile NAME`")
    if isinstance(error, boto_errors.TokenRetrievalError | boto_errors.SSOTokenLoadError
                  | boto_errors.UnauthorizedSSOTokenError):
        return AwsError("your AWS SSO login has expired or is missing; run `aws sso login` (with --profile "
                        "if you use one) and try again")
    if isinstance(error, boto_errors.NoRegionError):
        return AwsError("no AWS region is set; pass --region (e.g. --region eu-west-2) or set a region "
                        "in your profile with `aws configure`")
    if isinstance(error, boto_errors.ConnectTimeoutError | boto_errors.ReadTimeoutError):
        endpoint = error.kwargs.get("endpoint_url", "")
        silence = ("it took the connection but sent nothing back" if isinstance(error, boto_errors.ReadTimeoutError)
                   else "no connection could be made")
        return AwsError(f"the AWS endpoint {endpoint} did not answer {permission}{where} in time ({silence}); check "
                        "your network connection, VPN, proxy or --endpoint-url, then try again")
    if isinstance(error, boto_errors.EndpointConnectionError | boto_errors.ConnectionClosedError):
        return AwsError(f"cannot reach the AWS endpoint{where} ({error}); check your network connection, proxy "
                        "or --endpoint-url, then try again")
    if isinstance(error, ResponseParserError):
        # botocore's text quotes the whole body, over several lines: a proxy's error page, say.
        return AwsError(f"the answer to {permission}{where} could not be read (it is not in AWS's format); try "
                        "again, and if it repeats, check your proxy or --endpoint-url")
    code = error_code(error)
    message = error.response.get("Error", {}).get("Message", "") if isinstance(error, boto_errors.ClientError) else ""
    if code in ACCESS_DENIED_CODES:
        return AwsError(f"AWS refused {permission}{where} (access denied); ask your AWS administrator to "
                        f"allow {permission} for your user or role, or use a profile that has it")
    if code in BAD_CREDENTIAL_CODES:
        return AwsError(f"AWS did not accept your credentials ({code}); check the access key in "
                        f"`aws configure list`, or {CREDENTIALS_HELP}")
    if code in EXPIRED_CODES:
        return AwsError("your AWS credentials have expired; refresh them (`aws sso login`, or new temporary "
                        "keys) and try again")
    if code in REGION_DISABLED_CODES:
        return AwsError(f"region{where} is not enabled for your account; enable it in the AWS console "
                        "(Account > AWS Regions) or choose another region with --region")
    if code in THROTTLE_CODES:
        return AwsError(f"AWS is throttling requests ({permission}{where}) even after retries; wait a minute "
                        "and try again")
    if code in AWS_SERVER_ERROR_CODES or http_status(error) >= 500:
        return AwsError(f"AWS call {permission}{where} failed with {code or 'an error'} (HTTP {http_status(error)}) "
                        f"even after retries. {AWS_SERVER_ERROR.problem} {AWS_SERVER_ERROR.fix}")
    return AwsError(f"AWS call {permission}{where} failed: {code or type(error).__name__}: "
                    f"{message or error}; check the value in your cluster spec, then try again")


@contextmanager
def aws_errors(permission: str, region: str | None = None) -> Iterator[None]:
    """Re-raise any botocore failure inside the block as an AwsError naming `permission`."""
    try:
        yield
    except (boto_errors.BotoCoreError, boto_errors.ClientError, ResponseParserError) as error:
        raise translate(error, permission, region) from error
