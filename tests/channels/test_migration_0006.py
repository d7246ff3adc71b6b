"""Migration channels 0006 (channel-neutral records) keeps every existing row: a mailbox
becomes an e-mail endpoint, messages point at it and keep their Message-ID as external
id, threading headers move into metadata, and a routing rule naming a mailbox names its
endpoint (the routing migrations after it turn that into the rule's endpoint)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("channels", "0005_inbound_reason_data")]


@pytest.mark.django_db(transaction=True)
def test_existing_mailboxes_messages_and_rules_survive_the_migration():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        # The models as the database now has them (what depends on 0006 was undone too).
        executor.loader.build_graph()
        old = executor._create_project_state(with_applied_migrations=True).apps
        municipality, _created = old.get_model("tenancy", "Municipality").objects.get_or_create(
            slug="subotica", defaults={"name": "Subotica", "name_cyrl": "Суботица"})
        department = old.get_model("tenancy", "Department").objects.create(
            municipality=municipality, name="Komunalno")
        mailbox = old.get_model("channels", "Mailbox").objects.create(
            municipality=municipality, department=department, address="Pisarnica@Subotica.rs",
            imap_host="imap.subotica.rs", imap_username="p", imap_password="p")
        blob = old.get_model("documents", "Blob").objects.create(sha256="a" * 64, size=3,
                                                                 data=b"raw")
        inbound = old.get_model("channels", "InboundMessage").objects.create(
            municipality=municipality, channel="email", idempotency_key="k", sha256="a" * 64,
            raw=blob, mailbox=mailbox, message_id="m-1@example.net")
        outbound = old.get_model("channels", "OutboundMessage").objects.create(
            municipality=municipality, channel="email", recipient="marko@example.net",
            body_text="Odgovor", message_id="<o-1@salter.test>",
            in_reply_to="<m-1@example.net>", references="<m-0@example.net> <m-1@example.net>")
        rule = old.get_model("procedures", "RoutingRule").objects.create(
            municipality=municipality, match="mailbox", value=str(mailbox.pk))

        executor.loader.build_graph()
        executor.migrate(latest)

        from salter.channels.models import Endpoint, InboundMessage, Mailbox, OutboundMessage
        from salter.procedures.models import RoutingRule

        endpoint = Endpoint.objects.get(municipality_id=municipality.pk)
        assert (endpoint.channel, endpoint.address, endpoint.department_id) == (
            "email", "pisarnica@subotica.rs", department.pk)
        assert Mailbox.objects.get(pk=mailbox.pk).endpoint == endpoint
        moved = InboundMessage.objects.get(pk=inbound.pk)
        assert (moved.endpoint, moved.external_id) == (endpoint, "m-1@example.net")
        sent = OutboundMessage.objects.get(pk=outbound.pk)
        assert sent.external_id == "<o-1@salter.test>"
        assert sent.in_reply_to == "<m-1@example.net>"
        assert sent.references == "<m-0@example.net> <m-1@example.net>"
        assert RoutingRule.objects.get(pk=rule.pk).endpoint == endpoint
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
