"""The intake app takes over InboundMessage and its table (submissions_inboundmessage) from the
submissions app: the state moves, the rows stay where they are. The content type is renamed, so
permissions and admin history that point at it follow the model."""

import django.db.models.deletion
import intake.models
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Permissions and admin history point at the content type: they follow the model to intake."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label="submissions", model="inboundmessage").first()
    if old is None:
        return
    new = ContentType.objects.filter(app_label="intake", model="inboundmessage").first()
    if new is None:
        old.app_label = "intake"
        old.save(update_fields=["app_label"])
        return
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    taken = set(Permission.objects.filter(content_type=new).values_list("codename", flat=True))
    for permission in Permission.objects.filter(content_type=old):
        if permission.codename in taken:  # the same right exists on the new type: move its holders
            twin = Permission.objects.get(content_type=new, codename=permission.codename)
            twin.group_set.add(*permission.group_set.all())
            twin.user_set.add(*permission.user_set.all())
        else:
            permission.content_type = new
            permission.save(update_fields=["content_type"])
    LogEntry.objects.filter(content_type=old).update(content_type=new)
    Permission.objects.filter(content_type=old).delete()
    old.delete()


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('program', '0003_edition_review_mode'),
        ('submissions', '0003_inboundmessage_moved_to_intake'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('admin', '0003_logentry_add_action_flag_choices'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[migrations.CreateModel(
            name='InboundMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('imap', 'IMAP mailbox'), ('pipe', 'Mail server pipe')], max_length=10)),
                ('raw', models.FileField(max_length=300, upload_to=intake.models.raw_message_path)),
                ('sha256', models.CharField(help_text='Of the stored bytes; a re-delivery is the same.', max_length=64, unique=True)),
                ('size', models.PositiveBigIntegerField(help_text='Size of the whole message as received, in bytes.')),
                ('truncated', models.BooleanField(default=False, help_text='Over the size cap: only its header block is kept.')),
                ('received_at', models.DateTimeField(db_index=True, help_text="Arrival (IMAP INTERNALDATE or the pipe's clock), never the Date header.")),
                ('stored_at', models.DateTimeField(auto_now_add=True)),
                ('envelope_sender', models.CharField(blank=True, help_text='<> for the null sender (bounces).', max_length=320)),
                ('envelope_recipient', models.CharField(blank=True, max_length=320)),
                ('imap_folder', models.CharField(blank=True, max_length=200)),
                ('imap_uidvalidity', models.PositiveBigIntegerField(blank=True, null=True)),
                ('imap_uid', models.PositiveBigIntegerField(blank=True, null=True)),
                ('message_id', models.CharField(blank=True, db_index=True, max_length=500)),
                ('from_address', models.CharField(blank=True, max_length=320)),
                ('from_name', models.CharField(blank=True, max_length=200)),
                ('subject', models.CharField(blank=True, max_length=500)),
                ('status', models.CharField(choices=[('received', 'Received (not processed yet)'), ('pending', 'Pending: waiting for the sender to confirm the address'), ('accepted', 'Accepted'), ('refused', 'Refused (the sender was told why)'), ('ignored', 'Ignored (not answered on purpose)'), ('duplicate', 'Duplicate of an earlier message'), ('expired', 'Expired (never confirmed)'), ('failed', 'Failed (processing error; re-process it)')], db_index=True, default='received', max_length=20)),
                ('error', models.TextField(blank=True, help_text='What the sender was told, or why nothing was answered.')),
                ('note', models.CharField(blank=True, help_text='For organizers: how the outcome was reached.', max_length=500)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('reprocessed', models.PositiveSmallIntegerField(default=0, help_text='Times an organizer re-processed it.')),
                ('dispatched_at', models.DateTimeField(blank=True, null=True)),
                ('processed_at', models.DateTimeField(blank=True, null=True)),
                ('pdf_name', models.CharField(blank=True, help_text='As sent; display only, never a path.', max_length=255)),
                ('pdf_sha256', models.CharField(blank=True, max_length=64)),
                ('pdf_pages', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('verified_by', models.CharField(blank=True, choices=[('link', 'Confirmation link'), ('reply', 'Reply carrying the token of one of our mails'), ('dmarc', 'DMARC pass from our mail server')], max_length=10)),
                ('verified_at', models.DateTimeField(blank=True, null=True)),
                ('confirm_key_hash', models.CharField(blank=True, db_index=True, help_text="SHA-256 of the confirmation link's key (the key is only mailed).", max_length=64)),
                ('expires_at', models.DateTimeField(blank=True, null=True)),
                ('duplicate_of', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='intake.inboundmessage')),
                ('edition', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='inbound_messages', to='program.edition')),
                ('submission', models.ForeignKey(blank=True, help_text='The submission it became or changed.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='inbound_messages', to='submissions.submission')),
            ],
            options={
                'verbose_name': 'inbound email',
                'verbose_name_plural': 'inbound email',
                'db_table': 'submissions_inboundmessage',
                'ordering': ['-received_at', '-id'],
            },
        )]),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
