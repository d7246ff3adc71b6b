"""Case types become procedures: code, texts in every language, category, priority, two
deadline rules, variants, required fields, checklist, reply templates, portal flag; and
the municipality's own calendar days. Filled in by 0003, tightened by 0004."""

import django.db.models.deletion
from django.db import migrations, models

import salter.procedures.models


class Migration(migrations.Migration):

    dependencies = [
        ("procedures", "0001_initial"),
        ("tenancy", "0002_vojvodina_municipalities"),
    ]

    operations = [
        migrations.AddField(
            model_name="casetype",
            name="code",
            field=models.SlugField(default="", help_text="Short stable name of the procedure, e.g. street-lighting; the API and Open311 know it by this.", max_length=60, verbose_name="code"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="casetype",
            name="description",
            field=models.TextField(blank=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="casetype",
            name="translations",
            field=models.JSONField(blank=True, default=dict, help_text='Name and description in the other languages: {"hu": {"name": …, "description": …}, "en": …}; Serbian Cyrillic is transliterated when not given.', verbose_name="translations"),
        ),
        migrations.AddField(
            model_name="casetype",
            name="category",
            field=models.CharField(choices=[("communal", "Communal problem"), ("inspection", "Inspection"), ("inquiry", "General inquiry"), ("complaint", "Complaint"), ("business", "Businesses"), ("information", "Information of public importance"), ("administrative", "Administrative procedure (ZUP)"), ("urbanism", "Urbanism and construction"), ("taxes", "Local taxes and fees"), ("other", "Other")], default="other", max_length=20, verbose_name="category"),
        ),
        migrations.AddField(
            model_name="casetype",
            name="priority",
            field=models.PositiveSmallIntegerField(choices=salter.procedures.models.priority_choices, default=20, verbose_name="priority"),
        ),
        migrations.AddField(
            model_name="casetype",
            name="first_response_rule",
            field=models.CharField(default="", help_text="A deadline rule: N calendar days, N working days, N working hours, N hours or next opening.", max_length=40, verbose_name="first response within"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="casetype",
            name="resolution_rule",
            field=models.CharField(default="", help_text="A deadline rule: N calendar days, N working days, N working hours, N hours or next opening.", max_length=40, verbose_name="resolution within"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="casetype",
            name="variant_of",
            field=models.ForeignKey(blank=True, help_text="The procedure this one is a variant of, e.g. the urgent request for information when life or health is at stake.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="variants", to="procedures.casetype", verbose_name="variant of"),
        ),
        migrations.AddField(
            model_name="casetype",
            name="required_fields",
            field=models.JSONField(blank=True, default=list, verbose_name="required fields"),
        ),
        migrations.AddField(
            model_name="casetype",
            name="checklist",
            field=models.JSONField(blank=True, default=list, help_text="Steps to follow, each as language: text pairs.", verbose_name="checklist"),
        ),
        migrations.AddField(
            model_name="casetype",
            name="reply_templates",
            field=models.JSONField(blank=True, default=list, help_text="Each with a key, a title and a body as language: text pairs.", verbose_name="reply templates"),
        ),
        migrations.AddField(
            model_name="casetype",
            name="is_public",
            field=models.BooleanField(default=False, help_text="Citizens may choose it when they submit on the portal.", verbose_name="on the portal"),
        ),
        migrations.CreateModel(
            name="CalendarDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(verbose_name="date")),
                ("kind", models.CharField(choices=[("closed", "Day off"), ("open", "Open")], max_length=10, verbose_name="kind")),
                ("opens", models.TimeField(blank=True, null=True, verbose_name="opens")),
                ("closes", models.TimeField(blank=True, null=True, verbose_name="closes")),
                ("every_year", models.BooleanField(default=False, help_text="The same day every year from this date on, e.g. the city's day.", verbose_name="every year")),
                ("reason", models.CharField(max_length=200, verbose_name="reason")),
                ("municipality", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="calendar_days", to="tenancy.municipality")),
            ],
            options={
                "verbose_name": "calendar day",
                "verbose_name_plural": "calendar days",
                "ordering": ["municipality", "date"],
                "constraints": [
                    models.UniqueConstraint(fields=("municipality", "date"), name="calendar_day_unique_date"),
                    models.CheckConstraint(condition=models.Q(models.Q(("closes__isnull", True), ("kind", "closed"), ("opens__isnull", True)), models.Q(("closes__isnull", False), ("every_year", False), ("kind", "open"), ("opens__isnull", False), ("opens__lt", models.F("closes"))), _connector="OR"), name="calendar_day_hours_fit_kind"),
                ],
            },
        ),
    ]
