"""Public actions answer something: XML-RPC cannot send None back, so an
action that returns nothing fails for every integration that calls it,
although it did its work."""

import ast
import inspect
import textwrap

from odoo.tests import HttpCase, tagged

from .common import ServiceDeskCommon

ADDON_MODULE = "odoo.addons.service_desk."


def _is_none(node):
    return node is None or (isinstance(node, ast.Constant) and node.value is None)


def _always_returns_value(statements):
    """Whether a block of statements ends every path with a `return` of a
    value or a `raise`."""
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, ast.Return):
        return not _is_none(last.value)
    if isinstance(last, ast.Raise):
        return True
    if isinstance(last, ast.If):
        return _always_returns_value(last.body) and _always_returns_value(last.orelse)
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return _always_returns_value(last.body)
    if isinstance(last, ast.Try):
        return (_always_returns_value(last.orelse) or _always_returns_value(last.body)) and all(
            _always_returns_value(handler.body) for handler in last.handlers
        )
    return False


def _returns_nothing_somewhere(function):
    """Why the function may answer None, or '' when it never does."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    definition = tree.body[0]
    for node in ast.walk(definition):
        if isinstance(node, ast.Return) and _is_none(node.value):
            return f"line {node.lineno}: returns None"
    if not _always_returns_value(definition.body):
        return "ends without returning a value"
    return ""


def addon_actions(registry):
    """{(model, method name): function} of every public action method the
    addon defines, on its own models and on the models it extends."""
    actions = {}
    for model_name in registry:
        for cls in registry[model_name].mro():
            if not cls.__module__.startswith(ADDON_MODULE):
                continue
            for name, function in vars(cls).items():
                if name.startswith("action_") and inspect.isfunction(function):
                    actions[(model_name, f"{cls.__module__}.{name}")] = function
    return actions


@tagged("post_install", "-at_install")
class TestActionsReturnValues(ServiceDeskCommon):
    def test_every_public_action_returns_a_value(self):
        actions = addon_actions(self.registry)
        self.assertIn(("service.ticket", f"{ADDON_MODULE}models.service_ticket.action_resolve"), actions)
        self.assertIn(("service.macro.apply", f"{ADDON_MODULE}wizard.service_macro_apply.action_apply"), actions)
        faults = sorted(
            f"{model} {qualname}: {fault}"
            for (model, qualname), function in actions.items()
            if (fault := _returns_nothing_somewhere(function))
        )
        self.assertEqual(faults, [], "every public action returns True or an action")


@tagged("post_install", "-at_install")
class TestActionsOverXmlRpc(HttpCase, ServiceDeskCommon):
    def _call(self, login, model, method, ids):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, login, {})
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, uid, login, model, method, [ids])

    def test_ticket_and_article_actions_answer_over_xmlrpc(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id, user_id=self.user_agent_a.id)
        self.assertIs(self._call("sd_agent_a", "service.ticket", "action_resolve", ticket.ids), True)
        self.assertTrue(ticket.is_resolved)
        article = self.env["service.article"].create({"name": "SD RPC article"})
        self.assertIs(self._call("sd_manager", "service.article", "action_publish", article.ids), True)
        self.assertTrue(article.is_published)
