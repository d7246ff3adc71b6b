"""Channel-neutral inbound and outbound records: endpoints instead of mailboxes, external
ids instead of Message-IDs, channel facts as structured data. Every existing row is kept:
each mailbox becomes an e-mail endpoint with the mailbox as its IMAP transport, messages
point at their mailbox's endpoint, and an outbound message's In-Reply-To and References
move into its metadata."""

import django.db.models.deletion
from django.db import migrations, models


def mailboxes_to_endpoints(apps, schema_editor):
    Mailbox = apps.get_model("channels", "Mailbox")
    Endpoint = apps.get_model("channels", "Endpoint")
    InboundMessage = apps.get_model("channels", "InboundMessage")
    RoutingRule = apps.get_model("procedures", "RoutingRule")
    for mailbox in Mailbox.objects.all():
        endpoint = Endpoint.objects.create(
            municipality_id=mailbox.municipality_id, channel="email",
            address=mailbox.address.strip().lower(), department_id=mailbox.department_id,
            is_active=mailbox.is_active)
        Mailbox.objects.filter(pk=mailbox.pk).update(endpoint=endpoint)
        InboundMessage.objects.filter(mailbox_id=mailbox.pk).update(endpoint=endpoint)
        # Routing rules may name a mailbox by its id; they now name its endpoint.
        RoutingRule.objects.filter(municipality_id=mailbox.municipality_id, match="mailbox",
                                   value=str(mailbox.pk)).update(value=str(endpoint.pk))


def endpoints_to_mailboxes(apps, schema_editor):
    Mailbox = apps.get_model("channels", "Mailbox")
    InboundMessage = apps.get_model("channels", "InboundMessage")
    for mailbox in Mailbox.objects.select_related("endpoint"):
        Mailbox.objects.filter(pk=mailbox.pk).update(
            address=mailbox.endpoint.address, department_id=mailbox.endpoint.department_id)
        InboundMessage.objects.filter(endpoint_id=mailbox.endpoint_id).update(
            mailbox_id=mailbox.pk)


def threading_into_metadata(apps, schema_editor):
    OutboundMessage = apps.get_model("channels", "OutboundMessage")
    rows = OutboundMessage.objects.exclude(in_reply_to="", references="").only(
        "pk", "in_reply_to", "references")
    for message in rows.iterator(chunk_size=2000):
        metadata = {key: value for key, value in (("in_reply_to", message.in_reply_to),
                                                  ("references", message.references))
                    if value}
        OutboundMessage.objects.filter(pk=message.pk).update(metadata=metadata)


def threading_out_of_metadata(apps, schema_editor):
    OutboundMessage = apps.get_model("channels", "OutboundMessage")
    for message in OutboundMessage.objects.exclude(metadata={}).iterator(chunk_size=2000):
        OutboundMessage.objects.filter(pk=message.pk).update(
            in_reply_to=message.metadata.get("in_reply_to", ""),
            references=message.metadata.get("references", ""))


class Migration(migrations.Migration):

    dependencies = [
        ("channels", "0005_inbound_reason_data"),
        ("procedures", "0001_initial"),
        ("tenancy", "0002_vojvodina_municipalities"),
    ]

    operations = [
        migrations.CreateModel(
            name="Endpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("channel", models.CharField(choices=[
                    ("email", "E-mail"), ("phone", "Telephone"), ("sms", "SMS"),
                    ("registry", "Registry office"), ("portal", "Web portal"),
                    ("voicemail", "Voicemail"), ("counter", "In person")],
                    max_length=20, verbose_name="channel")),
                ("address", models.CharField(max_length=254, verbose_name="address")),
                ("label", models.CharField(blank=True, max_length=200, verbose_name="label")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("department", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="endpoints", to="tenancy.department",
                    verbose_name="department")),
                ("municipality", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="endpoints",
                    to="tenancy.municipality")),
            ],
            options={
                "verbose_name": "endpoint",
                "verbose_name_plural": "endpoints",
                "ordering": ["municipality", "channel", "address"],
                "constraints": [models.UniqueConstraint(
                    fields=("municipality", "channel", "address"), name="endpoint_unique")],
            },
        ),
        migrations.AddField(
            model_name="mailbox", name="endpoint",
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.CASCADE,
                                       related_name="mailbox", to="channels.endpoint"),
        ),
        migrations.AddField(
            model_name="inboundmessage", name="endpoint",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="inbound_messages", to="channels.endpoint"),
        ),
        migrations.RunPython(mailboxes_to_endpoints, endpoints_to_mailboxes),
        migrations.AlterField(
            model_name="mailbox", name="endpoint",
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE,
                                       related_name="mailbox", to="channels.endpoint"),
        ),
        migrations.RemoveConstraint(model_name="mailbox", name="mailbox_unique"),
        migrations.RemoveField(model_name="mailbox", name="address"),
        migrations.RemoveField(model_name="mailbox", name="department"),
        migrations.RemoveField(model_name="inboundmessage", name="mailbox"),
        # Inbound: the channel's id, when the client sent it, the channel's facts.
        migrations.RemoveIndex(model_name="inboundmessage",
                               name="channels_in_municip_133a40_idx"),
        migrations.RenameField(model_name="inboundmessage", old_name="message_id",
                               new_name="external_id"),
        migrations.AddIndex(
            model_name="inboundmessage",
            index=models.Index(fields=["municipality", "external_id"],
                               name="channels_in_municip_02befe_idx"),
        ),
        migrations.AddField(
            model_name="inboundmessage", name="sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="inboundmessage", name="metadata",
            field=models.JSONField(blank=True, default=dict),
        ),
        # Outbound: the same, and the failure kept untranslated for staff.
        migrations.RenameField(model_name="outboundmessage", old_name="message_id",
                               new_name="external_id"),
        migrations.AddField(
            model_name="outboundmessage", name="metadata",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(threading_into_metadata, threading_out_of_metadata),
        migrations.RemoveField(model_name="outboundmessage", name="in_reply_to"),
        migrations.RemoveField(model_name="outboundmessage", name="references"),
        migrations.AddField(
            model_name="outboundmessage", name="endpoint",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="outbound_messages", to="channels.endpoint"),
        ),
        migrations.AddField(
            model_name="outboundmessage", name="error_data",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="outboundmessage", name="purpose",
            field=models.CharField(choices=[("ack", "Acknowledgement"), ("reply", "Reply"),
                                            ("notice", "Notice")],
                                   default="reply", max_length=10),
        ),
        migrations.AlterField(
            model_name="outboundmessage", name="state",
            field=models.CharField(choices=[("queued", "Queued"), ("sent", "Sent"),
                                            ("retrying", "Deferred"), ("failed", "Failed"),
                                            ("bounced", "Bounced")],
                                   default="queued", max_length=20),
        ),
    ]
