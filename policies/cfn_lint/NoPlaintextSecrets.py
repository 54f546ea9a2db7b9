"""E9002: password-like properties hold a dynamic reference or a NoEcho parameter, and no output reveals a secret."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from stackcheck.scan import custom
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict, placeholders

SECRET_KEYS = frozenset(
    {
        "Password",
        "MasterUserPassword",
        "MasterPassword",
        "SecretString",
        "AuthToken",
        "SecretAccessKey",
        "ClientSecret",
        "SharedSecret",
        "PreSharedKey",
    }
)
SECRET_SUFFIXES = ("Password", "Passphrase")
SECURE_REFERENCES = ("{{resolve:secretsmanager:", "{{resolve:ssm-secure:")
FIX = (
    "use a {{resolve:secretsmanager:...}} dynamic reference "
    "(CDK: Credentials.from_generated_secret, SecretValue.secrets_manager)"
)


def is_secret_key(key: Any) -> bool:
    """True for property names that hold a secret (``Password``, ``MasterUserPassword``, ``AuthToken``, ...)."""
    return isinstance(key, str) and (key in SECRET_KEYS or key.endswith(SECRET_SUFFIXES))


def secret_value(view: TemplateView, node: Any, where: str) -> tuple[Outcome, str]:
    """(outcome, message) for one password-like value ``node``; ``where`` names it (``Resource `Db`: MasterUserPassword``)."""
    if isinstance(node, Mapping) and set(node) == {"Ref"} and node["Ref"] in view.parameters:
        name = node["Ref"]
        parameter = view.parameters[name]
        if str(view.value(parameter.get("NoEcho"))).lower() != "true":
            return Outcome.FAILED, (
                f"{where} is parameter `{name}`, which is not NoEcho: its value shows in the console "
                f"and API; set NoEcho: true on `{name}` or {FIX}"
            )
        if "Default" in parameter:
            return Outcome.FAILED, (
                f"{where} is NoEcho parameter `{name}`, but `{name}` has a Default: the secret is in "
                f"the template; remove the Default"
            )
        return Outcome.PASSED, f"{where} is NoEcho parameter `{name}`"
    text = view.text(node)
    if isinstance(text, Unresolved):
        return Outcome.UNKNOWN, (
            f"{where} is unknown before deployment ({text.reason}); cannot tell whether it is a secret reference"
        )
    if text.startswith(SECURE_REFERENCES) and text.endswith("}}"):
        return Outcome.PASSED, f"{where} is a dynamic reference ({text.split(':', 2)[1]})"
    if text.startswith("{{resolve:ssm:"):
        return (
            Outcome.FAILED,
            f"{where} resolves a plain SSM parameter, readable by anyone who can read parameters; {FIX}",
        )
    if not placeholders(text):
        return Outcome.FAILED, f"{where} is a literal: the secret is in the template; {FIX}"
    return Outcome.UNKNOWN, f"{where} is built at deploy time ({text}); cannot tell whether it is a secret reference"


def check(view: TemplateView) -> Iterator[Verdict]:
    """Verdicts on every password-like resource property and on outputs that would reveal a secret."""
    for lid in view.resources:
        properties = view.properties(lid)
        for path, node in view.walk(properties, ("Properties",)):
            if not (len(path) > 1 and is_secret_key(path[-1])) or isinstance(node, bool) or node is None:
                continue
            where = f"Resource `{lid}`: {'.'.join(str(p) for p in path[1:])}"
            outcome, message = secret_value(view, node, where)
            yield Verdict(outcome, message, lid, path)
    no_echo = {name for name, p in view.parameters.items() if str(view.value(p.get("NoEcho"))).lower() == "true"}
    for key, output in view.outputs.items():
        value = output.get("Value")
        path = ("Outputs", key, "Value")
        where = f"Output `{key}`"
        for _, node in view.walk(value):
            if isinstance(node, str) and "{{resolve:" in node:
                yield Verdict(
                    Outcome.FAILED,
                    f"{where} holds a dynamic reference: outputs show resolved secrets in "
                    "plain text; output the secret's ARN instead",
                    None,
                    path,
                )
                break
            if isinstance(node, Mapping) and node.get("Ref") in no_echo:
                yield Verdict(
                    Outcome.FAILED,
                    f"{where} references NoEcho parameter `{node['Ref']}`: outputs are not masked; remove it",
                    None,
                    path,
                )
                break
        else:
            if is_secret_key(key):
                outcome, message = secret_value(view, value, where)
                if outcome is Outcome.FAILED:
                    message = (
                        f"{where} holds a secret in plain text; remove the output (output the secret's ARN instead)"
                    )
                if outcome is not Outcome.PASSED:
                    yield Verdict(outcome, message, None, path)


class NoPlaintextSecrets(custom.TemplateRule):
    """cfn-lint rule E9002; logic in ``check``."""

    id = "E9002"
    shortdesc = "Ensure no secret is in plain text: password-like properties use Secrets Manager or a NoEcho parameter"
    description = (
        "A literal password in a template is stored in the template bucket, the CloudFormation console, the "
        "cloud assembly and git. Password-like properties (Password, MasterUserPassword, SecretString, "
        "AuthToken, ...) must be {{resolve:secretsmanager:...}} or {{resolve:ssm-secure:...}} dynamic "
        "references, or a Ref to a NoEcho parameter without a Default; outputs must not reveal one."
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds"
    tags = ["stackcheck", "secrets"]
    check = staticmethod(check)
