"""Bookkeeping for the CloudFormation extension: our models, our wrappers of moto, and the moto internals we rely on."""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

T = TypeVar("T")

__all__ = [
    "EXTENDED",
    "INTERNALS",
    "PATCHES",
    "ExtensionModel",
    "Internal",
    "Patch",
    "apply_patches",
    "check_internal",
    "check_patch",
    "extended_model",
    "getatt_attributes",
    "patch",
    "relies_on",
    "remove_patches",
]


@dataclass(frozen=True)
class Internal:
    """A moto internal the extension uses: ``module`` + dotted ``attribute``.

    ``params`` are parameter names the callable must accept (in any order); ``assigns`` are
    ``self.<name>`` assignments its source must contain (for instance attributes we read or set).
    """

    module: str
    attribute: str
    params: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """``module.attribute``, the name a failing contract test prints."""
        return f"{self.module}.{self.attribute}"


@dataclass(frozen=True)
class Patch:
    """One wrapper around a moto callable, applied by ``apply_patches``.

    ``kind`` is "classmethod", "method", "function" or "addition". The wrapper gets the original
    callable (bound for class and instance methods) as its first argument, then the call's
    arguments; for "method" the instance follows the original. An "addition" is a method moto
    lacks (``internal`` must *not* exist yet): it is set as is, and the contract test fails the
    day moto grows its own. ``resource_type`` and ``adds`` say which
    CloudFormation type and properties/attributes the wrapper restores; ``doc_url`` is the AWS
    page it follows.
    """

    internal: Internal
    kind: str
    wrapper: Callable[..., Any]
    resource_type: str | None
    adds: tuple[str, ...]
    doc_url: str


INTERNALS: list[Internal] = []
PATCHES: list[Patch] = []
EXTENDED: dict[str, type] = {}
"""CloudFormation type → our model class (types moto has no model for)."""

_APPLIED: dict[str, tuple[Any, str, Any]] = {}
_MISSING = object()


def relies_on(module: str, attribute: str, *, params: tuple[str, ...] = (), assigns: tuple[str, ...] = ()) -> Internal:
    """Declare a moto internal the extension uses; the contract test checks every declaration."""
    internal = Internal(module, attribute, tuple(params), tuple(assigns))
    if internal not in INTERNALS:
        INTERNALS.append(internal)
    return internal


def getatt_attributes(
    module: str, model: str, *, resource_type: str, attributes: Mapping[str, str], why: str, doc_url: str
) -> None:
    """Give moto's ``module.model``, which has no GetAtt, the attributes ``attributes`` names (GetAtt name -> the
    model's attribute that holds it): ``get_cfn_attribute`` answering them (moto's "unformatted GetAtt" error for
    any other) and ``has_cfn_attr`` naming them, registered as two additions; ``why`` is where a template needs
    them (it opens both docstrings, which end with "Follows ``doc_url``")."""
    names = dict(attributes)
    listed = ", ".join(f"``{name}``" for name in names)

    def get_cfn_attribute(resource: Any, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name in names:
            return getattr(resource, names[attribute_name])
        raise UnformattedGetAttTemplateException()

    def has_cfn_attr(cls: type, attr: str) -> bool:
        return attr in names

    get_cfn_attribute.__doc__ = f"{why}: GetAtt {listed}.\n\nFollows {doc_url}"
    has_cfn_attr.__doc__ = f"The GetAtt attributes of {resource_type}: {listed}.\n\nFollows {doc_url}"
    for internal in names.values():
        relies_on(module, f"{model}.__init__", assigns=(internal,))
    common = {"kind": "addition", "resource_type": resource_type, "doc_url": doc_url}
    patch(module, f"{model}.get_cfn_attribute", adds=tuple(names), **common)(get_cfn_attribute)  # type: ignore[arg-type]
    patch(module, f"{model}.has_cfn_attr", adds=(), **common)(classmethod(has_cfn_attr))  # type: ignore[arg-type]


class ExtensionModel:
    """What moto asks of every CloudFormation model of ours, answered from class attributes.

    A mixin, not a CloudFormationModel: moto discovers models as *direct* subclasses of
    ``moto.core.common_models.CloudFormationModel`` (``__subclasses__()``), so each model names
    both, this first: ``class BucketPolicy(ExtensionModel, CloudFormationModel)``.

    ``CFN_TYPE``: the resource type (``AWS::S3::BucketPolicy``). ``CFN_NAME_TYPE``: the property
    that names the resource, "" when none. ``PHYSICAL_ID``: the instance attribute holding the
    physical ID, which Ref answers. ``CFN_ATTRIBUTES``: each GetAtt attribute the model answers →
    the instance attribute holding its value (dotted for one of an attribute: ``fake.private_ip_addresses``;
    a list is answered as a copy); none by default. A model overrides ``get_cfn_attribute`` only for an
    answer that is not an attribute.
    """

    CFN_TYPE: ClassVar[str]
    CFN_NAME_TYPE: ClassVar[str] = ""
    PHYSICAL_ID: ClassVar[str]
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.CFN_TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.CFN_NAME_TYPE

    @property
    def physical_resource_id(self) -> str:
        return getattr(self, self.PHYSICAL_ID)

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.CFN_ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        """``Fn::GetAtt`` answered from CFN_ATTRIBUTES; moto's UnformattedGetAttTemplateException for another."""
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name not in self.CFN_ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        value: Any = self
        for name in self.CFN_ATTRIBUTES[attribute_name].split("."):
            value = getattr(value, name)
        return list(value) if isinstance(value, list | tuple) else value


def extended_model(cls: type[T]) -> type[T]:
    """Class decorator: record a model of ours under its ``cloudformation_type()``."""
    EXTENDED[cls.cloudformation_type()] = cls  # type: ignore[attr-defined]  # every model defines it
    return cls


def patch(
    module: str,
    attribute: str,
    *,
    kind: str,
    resource_type: str | None,
    adds: tuple[str, ...],
    doc_url: str,
    params: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering ``wrapper`` around moto's ``module.attribute`` (applied later, by ``apply_patches``)."""
    if kind not in ("classmethod", "method", "function", "addition"):
        raise ValueError(f"unknown patch kind {kind!r}")

    def register(wrapper: Callable[..., Any]) -> Callable[..., Any]:
        if kind == "addition":
            internal = Internal(module, attribute)
            owner_name = attribute.rsplit(".", 1)[0]
            relies_on(module, owner_name)
        else:
            internal = relies_on(module, attribute, params=params)
        PATCHES.append(Patch(internal, kind, wrapper, resource_type, tuple(adds), doc_url))
        return wrapper

    return register


def _resolve(internal: Internal) -> tuple[Any, str, Any]:
    """(owner, last attribute name, value) for ``internal``; AttributeError/ImportError if gone."""
    owner: Any = importlib.import_module(internal.module)
    *path, last = internal.attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    if inspect.isclass(owner):
        for klass in owner.__mro__:
            if last in vars(klass):
                return owner, last, vars(klass)[last]
        raise AttributeError(f"{owner.__name__} has no attribute {last!r}")
    return owner, last, getattr(owner, last)


def check_internal(internal: Internal) -> str | None:
    """None when ``internal`` still exists as declared, else a message naming ``module.attribute``."""
    try:
        _owner, _name, value = _resolve(internal)
    except (ImportError, AttributeError) as exc:
        return f"moto internal {internal.name} is gone ({type(exc).__name__}: {exc})"
    target = _APPLIED.get(internal.name, (None, None, value))[2]
    func = target.__func__ if isinstance(target, (classmethod, staticmethod)) else target
    if isinstance(func, property):
        func = func.fget
    if func is None:
        return f"moto internal {internal.name} is no longer a function"
    if internal.params:
        try:
            names = set(inspect.signature(func).parameters)
        except (TypeError, ValueError):
            return f"moto internal {internal.name} is no longer a callable with a signature"
        missing = [p for p in internal.params if p not in names]
        if missing:
            return f"moto internal {internal.name} no longer takes parameter(s) {missing}; has {sorted(names)}"
    if internal.assigns:
        try:
            source = inspect.getsource(func)
        except (TypeError, OSError):
            return f"moto internal {internal.name}: source unavailable to check assignments {list(internal.assigns)}"
        missing = [a for a in internal.assigns if f"self.{a} =" not in source and f"self.{a}:" not in source]
        if missing:
            return f"moto internal {internal.name} no longer sets self.{', self.'.join(missing)}"
    return None


def check_patch(p: Patch) -> str | None:
    """None when the moto attribute ``p`` wraps (or adds) is as expected, else a message naming it."""
    if p.kind != "addition":
        return check_internal(p.internal)
    if p.internal.name in _APPLIED:
        return None
    owner_path, name = p.internal.attribute.rsplit(".", 1)
    try:
        owner = _resolve(Internal(p.internal.module, owner_path))[2]
    except (ImportError, AttributeError) as exc:
        return f"moto internal {p.internal.module}.{owner_path} is gone ({type(exc).__name__}: {exc})"
    if name not in vars(owner):
        return None
    return (
        f"moto now defines {p.internal.name} itself; the extension's addition would hide it: "
        "drop the addition from stackcheck/emulator/cfn if moto's version is complete"
    )


def _wrapped(p: Patch, original: Any) -> Any:
    wrapper = p.wrapper
    if p.kind == "addition":
        return wrapper
    if p.kind == "classmethod":
        if not isinstance(original, classmethod):
            raise TypeError(f"{p.internal.name} is not a classmethod any more")
        func = original.__func__

        @functools.wraps(func)
        def new_classmethod(cls: type, *args: Any, **kwargs: Any) -> Any:
            return wrapper(functools.partial(func, cls), *args, **kwargs)

        return classmethod(new_classmethod)
    if p.kind == "method":
        if not inspect.isfunction(original):
            raise TypeError(f"{p.internal.name} is not a plain method any more")

        @functools.wraps(original)
        def new_method(self: Any, *args: Any, **kwargs: Any) -> Any:
            return wrapper(functools.partial(original, self), self, *args, **kwargs)

        return new_method

    @functools.wraps(original)
    def new_function(*args: Any, **kwargs: Any) -> Any:
        return wrapper(original, *args, **kwargs)

    return new_function


def apply_patches() -> list[str]:
    """Install every registered wrapper once; returns the ``module.attribute`` names newly patched.

    Raises TypeError/AttributeError naming the moto internal when it no longer has the expected shape.
    """
    done = []
    for p in PATCHES:
        if p.internal.name in _APPLIED:
            continue
        if p.kind == "addition":
            problem = check_patch(p)
            if problem:
                raise TypeError(problem)
            owner_path, name = p.internal.attribute.rsplit(".", 1)
            owner = _resolve(Internal(p.internal.module, owner_path))[2]
            original = _MISSING
        else:
            owner, name, original = _resolve(p.internal)
        setattr(owner, name, _wrapped(p, original))
        _APPLIED[p.internal.name] = (owner, name, original)
        done.append(p.internal.name)
    return done


def remove_patches() -> None:
    """Restore every wrapped moto callable (tests use this to compare with and without the extension)."""
    for owner, name, original in _APPLIED.values():
        if original is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, original)
    _APPLIED.clear()
