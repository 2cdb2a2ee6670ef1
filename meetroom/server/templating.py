"""Jinja2 setup: gettext that follows each request's language, and the compiled
templates kept for the process."""

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


class CompiledTemplates(jinja2.BytecodeCache):
    """The templates' compiled code, in memory, shared by every application of the
    process (`build_app` sets each one's environment up the same way): an application
    renders a page without parsing and compiling its templates again, which took some
    30 ms a page for each new application (each test's server). Jinja keys an entry by
    the template's file and checks the checksum of its source, so an edited template
    is compiled afresh."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()
