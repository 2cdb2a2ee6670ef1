"""Jinja2 setup: gettext that follows each request's language."""

from __future__ import annotations

import jinja2


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return str(context["i18n"].gettext(message))


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    return str(context["i18n"].ngettext(singular, plural, n))


def install_i18n(env: jinja2.Environment) -> None:
    # newstyle: `_("Hello %(name)s", name=x)` escapes `x` and never fails on a stray `%`.
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.policies["ext.i18n.trimmed"] = True
    env.globals["enumerate"] = enumerate
