"""InboundMessage moved to the intake app: forget it here, keep its table (intake 0001 takes it over)."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('submissions', '0002_inboundmessage'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='InboundMessage')],
            database_operations=[],
        ),
    ]
