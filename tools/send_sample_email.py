"""Try the demo by email: feed a sample customer email to the mail gateway of
a running demo server, as Odoo's odoo-mailgate script does for a mail server
(XML-RPC call of mail.thread.message_process), and print the ticket it made.

    python tools/send_sample_email.py                     # to support@example.com
    python tools/send_sample_email.py --to care@example.com --subject "Refund?"

`make demo` must be running (another terminal); `make mail-demo` runs this
with the demo's address and database.  The demo's alias domain is example.com:
support@ goes to Technical Support, field-service@ to Field Service, care@ to
Customer Care.  Each run sends a new email (new Message-ID), so a new ticket.
"""

import argparse
import os
import sys
import uuid
import xmlrpc.client
from email.message import EmailMessage
from email.utils import formatdate

DEFAULT_FROM = "Kofi Mensah <kofi.mensah@accra-office.example.com>"
DEFAULT_TO = "support@example.com"
DEFAULT_SUBJECT = "Printer LP-400 shows error E-12 after a paper jam"
DEFAULT_BODY = """Hello,

Since this morning our LP-400 shows "E-12" after every paper jam, even once
the paper is removed. Turning it off and on does not help.

Could someone help us?

Kofi Mensah
Accra Office Supplies
"""


def sample_email(sender=DEFAULT_FROM, to=DEFAULT_TO, subject=DEFAULT_SUBJECT, body=DEFAULT_BODY):
    """The raw bytes of a customer's email, as a mail server would pass them on."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = f"<{uuid.uuid4().hex}@{sender.rpartition('@')[2].rstrip('>') or 'example.com'}>"
    message.set_content(body)
    return message.as_bytes()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    host = os.environ.get("HTTP_INTERFACE", "127.0.0.1")
    port = os.environ.get("HTTP_PORT", "8069")
    parser.add_argument("--url", default=f"http://{host}:{port}", help="the demo server (%(default)s)")
    parser.add_argument("--db", default=os.environ.get("DEMO_DB", "service_desk_demo"), help="database (%(default)s)")
    parser.add_argument("--login", default="admin", help="a user allowed to run the mail gateway (%(default)s)")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--from", dest="sender", default=DEFAULT_FROM, help="the customer (%(default)s)")
    parser.add_argument("--to", default=DEFAULT_TO, help="a team's alias (%(default)s)")
    parser.add_argument("--subject", default=DEFAULT_SUBJECT)
    parser.add_argument("--body", default=DEFAULT_BODY)
    args = parser.parse_args(argv)

    try:
        uid = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/common").authenticate(
            args.db, args.login, args.password, {}
        )
    except OSError as error:
        sys.exit(f"cannot reach the demo at {args.url} ({error}): start it with 'make demo' in another terminal.")
    if not uid:
        sys.exit(f"cannot log in to the database {args.db} at {args.url} as {args.login}.")
    models = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *params, **options):
        return models.execute_kw(args.db, uid, args.password, model, method, list(params), options)

    raw = sample_email(args.sender, args.to, args.subject, args.body)
    # what odoo-mailgate does: the gateway finds the alias and creates or updates the record
    record_id = call("mail.thread", "message_process", False, xmlrpc.client.Binary(raw))
    tickets = call(
        "service.ticket",
        "search_read",
        [("id", "=", record_id)],
        fields=["number", "name", "team_id", "user_id", "stage_id", "partner_email"],
    )
    if not tickets:
        sys.exit(f"the email was processed, but no ticket carries it (record {record_id}): is {args.to} a team alias?")
    ticket = tickets[0]
    sys.stdout.write(
        f'{args.sender} -> {args.to}: ticket {ticket["number"]} "{ticket["name"]}"\n'
        f"  team:  {ticket['team_id'] and ticket['team_id'][1]}\n"
        f"  agent: {(ticket['user_id'] and ticket['user_id'][1]) or 'nobody yet'}\n"
        f"  stage: {ticket['stage_id'] and ticket['stage_id'][1]}\n"
        f"  open:  {args.url}/odoo/action-service_desk.service_ticket_action/{ticket['id']}\n"
    )


if __name__ == "__main__":
    main()
